//! Organizations, memberships, organization invitations and organization domains.

use serde_json::{Map, Value};

use super::users::SortKey;
use super::{Call, Op, Reply, list_reply, metadata, page, sort_page};
use crate::app::{App, RequestMeta};
use crate::error::ApiError;
use crate::render;
use crate::state::{MembershipRec, OrgDomainRec, OrgInvitationRec, OrgRec, State};
use crate::util::{deep_merge, is_email, is_slug, parse_rfc3339_ms, slugify};
use crate::validate::{BodyExt, Field, PAGE, Ty};

const LIST: &[Field] = &[
    Field::opt("include_members_count", Ty::Bool),
    Field::opt("include_missing_member_with_elevated_permissions", Ty::Bool),
    Field::opt("query", Ty::Str),
    Field::opt("user_id", Ty::StrArr),
    Field::opt("organization_id", Ty::StrArr),
    Field::opt("order_by", Ty::Str),
    PAGE[0],
    PAGE[1],
];
const GET: &[Field] = &[
    Field::opt("include_members_count", Ty::Bool),
    Field::opt("include_missing_member_with_elevated_permissions", Ty::Bool),
];
const CREATE: &[Field] = &[
    Field::req("name", Ty::Str),
    Field::opt("created_by", Ty::Str).null(),
    Field::opt("private_metadata", Ty::Obj).null(),
    Field::opt("public_metadata", Ty::Obj).null(),
    Field::opt("slug", Ty::Str).null(),
    Field::opt("max_allowed_memberships", Ty::Int).null().min(0),
    Field::opt("created_at", Ty::Str).null(),
    Field::opt("role_set_key", Ty::Str).null(),
];
const UPDATE: &[Field] = &[
    Field::opt("name", Ty::Str).null(),
    Field::opt("slug", Ty::Str).null(),
    Field::opt("max_allowed_memberships", Ty::Int).null().min(0),
    Field::opt("admin_delete_enabled", Ty::Bool).null(),
    Field::opt("created_at", Ty::Str).null(),
    Field::opt("role_set_key", Ty::Str).null(),
];
const METADATA: &[Field] = &[
    Field::opt("public_metadata", Ty::Obj),
    Field::opt("private_metadata", Ty::Obj),
];
const CREATE_MEMBERSHIP: &[Field] = &[
    Field::req("user_id", Ty::Str),
    Field::req("role", Ty::Str),
    Field::opt("public_metadata", Ty::Obj).null(),
    Field::opt("private_metadata", Ty::Obj).null(),
];
const UPDATE_MEMBERSHIP: &[Field] = &[Field::req("role", Ty::Str)];
const LIST_MEMBERSHIPS: &[Field] = &[
    Field::opt("order_by", Ty::Str),
    Field::opt("user_id", Ty::StrArr),
    Field::opt("email_address", Ty::StrArr),
    Field::opt("phone_number", Ty::StrArr),
    Field::opt("username", Ty::StrArr),
    Field::opt("web3_wallet", Ty::StrArr),
    Field::opt("role", Ty::StrArr),
    Field::opt("query", Ty::Str),
    Field::opt("email_address_query", Ty::Str),
    Field::opt("phone_number_query", Ty::Str),
    Field::opt("username_query", Ty::Str),
    Field::opt("name_query", Ty::Str),
    Field::opt("last_active_at_before", Ty::Int),
    Field::opt("last_active_at_after", Ty::Int),
    Field::opt("created_at_before", Ty::Int),
    Field::opt("created_at_after", Ty::Int),
    PAGE[0],
    PAGE[1],
];
const LIST_ALL_MEMBERSHIPS: &[Field] = &[Field::opt("order_by", Ty::Str), PAGE[0], PAGE[1]];

const INVITATION_STATUS: &[&str] = &["pending", "accepted", "revoked", "expired"];
const INVITATION: &[Field] = &[
    Field::req("email_address", Ty::Str),
    Field::opt("inviter_user_id", Ty::Str).null(),
    Field::req("role", Ty::Str),
    Field::opt("public_metadata", Ty::Obj).null(),
    Field::opt("private_metadata", Ty::Obj).null(),
    Field::opt("redirect_url", Ty::Str).null(),
    Field::opt("expires_in_days", Ty::Int).null().range(1, 365),
    Field::opt("notify", Ty::Bool).null(),
];
const LIST_INVITATIONS: &[Field] = &[
    Field::opt("status", Ty::EnumArr(INVITATION_STATUS)),
    Field::opt("email_address", Ty::Str),
    Field::opt("order_by", Ty::Str),
    PAGE[0],
    PAGE[1],
];
const LIST_ALL_INVITATIONS: &[Field] = &[
    Field::opt("order_by", Ty::Str),
    Field::opt("status", Ty::EnumArr(INVITATION_STATUS)),
    Field::opt("query", Ty::Str),
    PAGE[0],
    PAGE[1],
];
const REVOKE_INVITATION: &[Field] = &[Field::opt("requesting_user_id", Ty::Str).null()];

const ENROLLMENT_MODES: &[&str] = &[
    "manual_invitation",
    "automatic_invitation",
    "automatic_suggestion",
    "enterprise_sso",
];
const CREATE_DOMAIN: &[Field] = &[
    Field::opt("name", Ty::Str),
    Field::opt("enrollment_mode", Ty::Str),
    Field::opt("verified", Ty::Bool).null(),
];
const UPDATE_DOMAIN: &[Field] = &[
    Field::opt("enrollment_mode", Ty::Str).null(),
    Field::opt("verified", Ty::Bool).null(),
];
const LIST_DOMAINS: &[Field] = &[
    // The spec says a bare string; its prose (and codegen/overlay.txt) says `true` or `false`.
    Field::opt("verified", Ty::Enum(&["true", "false"])),
    Field::opt("enrollment_mode", Ty::Str),
    PAGE[0],
    PAGE[1],
];
const LIST_ALL_DOMAINS: &[Field] = &[
    Field::opt("organization_id", Ty::Str),
    Field::opt("verified", Ty::Enum(&["true", "false"])),
    Field::opt(
        "enrollment_mode",
        Ty::EnumArr(&[
            "manual_invitation",
            "automatic_invitation",
            "automatic_suggestion",
            "enterprise_sso",
            "-manual_invitation",
            "-automatic_invitation",
            "-automatic_suggestion",
            "-enterprise_sso",
        ]),
    ),
    Field::opt("query", Ty::Str),
    Field::opt("domains", Ty::StrArr),
    Field::opt("order_by", Ty::Str),
    PAGE[1],
    PAGE[0],
];

/// The organization operations.
pub(crate) const OPS: &[Op] = &[
    Op::new("ListOrganizations", list).query(LIST),
    Op::new("CreateOrganization", create).body(CREATE),
    Op::new("GetOrganization", get).query(GET),
    Op::new("UpdateOrganization", update).body(UPDATE),
    Op::new("DeleteOrganization", delete),
    Op::new("ReplaceOrganizationMetadata", replace_metadata).body(METADATA),
    Op::new("MergeOrganizationMetadata", merge_metadata).body(METADATA),
    Op::new("UploadOrganizationLogo", upload_logo).multipart(),
    Op::new("DeleteOrganizationLogo", delete_logo),
    Op::new("ListOrganizationMemberships", list_memberships).query(LIST_MEMBERSHIPS),
    Op::new("CreateOrganizationMembership", create_membership).body(CREATE_MEMBERSHIP),
    Op::new("UpdateOrganizationMembership", update_membership).body(UPDATE_MEMBERSHIP),
    Op::new("DeleteOrganizationMembership", delete_membership),
    Op::new("UpdateOrganizationMembershipMetadata", membership_metadata).body(METADATA),
    Op::new("InstanceGetOrganizationMemberships", list_all_memberships).query(LIST_ALL_MEMBERSHIPS),
    Op::new("ListOrganizationInvitations", list_invitations).query(LIST_INVITATIONS),
    Op::new("CreateOrganizationInvitation", create_invitation).body(INVITATION),
    Op::new("CreateOrganizationInvitationBulk", create_invitations).array_body(INVITATION),
    Op::new(
        "ListPendingOrganizationInvitations",
        list_pending_invitations,
    )
    .query(&PAGE),
    Op::new("GetOrganizationInvitation", get_invitation),
    Op::new("RevokeOrganizationInvitation", revoke_invitation).body(REVOKE_INVITATION),
    Op::new("ListInstanceOrganizationInvitations", list_all_invitations)
        .query(LIST_ALL_INVITATIONS),
    Op::new("ListOrganizationDomains", list_domains).query(LIST_DOMAINS),
    Op::new("CreateOrganizationDomain", create_domain).body(CREATE_DOMAIN),
    Op::new("UpdateOrganizationDomain", update_domain).body(UPDATE_DOMAIN),
    Op::new("DeleteOrganizationDomain", delete_domain),
    Op::new("ListAllOrganizationDomains", list_all_domains).query(LIST_ALL_DOMAINS),
];

// ---- helpers ------------------------------------------------------------------------------

/// The organization with this id, or (as Clerk accepts) this slug.
fn org_id_of(st: &State, id_or_slug: &str) -> Result<String, ApiError> {
    if st.orgs.contains_key(id_or_slug) {
        return Ok(id_or_slug.to_owned());
    }
    st.idx
        .slug
        .get(id_or_slug)
        .cloned()
        .ok_or_else(|| ApiError::not_found("Organization"))
}

fn find<'a>(st: &'a State, id_or_slug: &str) -> Result<&'a OrgRec, ApiError> {
    let id = org_id_of(st, id_or_slug)?;
    st.orgs
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Organization"))
}

fn check_role(app: &App, role: &str) -> Result<(), ApiError> {
    if app.roles.exists(role) {
        Ok(())
    } else {
        Err(ApiError::value_invalid(
            "role",
            format!(
                "role must be one of the instance's roles ({}).",
                app.roles
                    .roles
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

fn check_slug(slug: &str) -> Result<(), ApiError> {
    if is_slug(slug) {
        Ok(())
    } else {
        Err(ApiError::format_invalid(
            "slug",
            "slug can only contain lowercase letters, digits, '-' and '_'.",
        ))
    }
}

fn org_updated(app: &App, st: &State, id: &str, meta: &RequestMeta) -> Result<Reply, ApiError> {
    let org = st
        .orgs
        .get(id)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    let rendered = render::org(st, org, false);
    app.emit("organization.updated", &rendered, meta);
    Reply::ok(&rendered)
}

// ---- organizations ------------------------------------------------------------------------

/// Creates an organization from a validated `CreateOrganization` body.
pub(crate) fn create_org(
    app: &App,
    body: &Map<String, Value>,
    meta: &RequestMeta,
) -> Result<clerk_api::models::Organization, ApiError> {
    let name = body.str_of("name").unwrap_or("").trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::format_invalid("name", "name must not be empty."));
    }
    let explicit_slug = body.str_of("slug").map(str::to_owned);
    if let Some(slug) = &explicit_slug {
        check_slug(slug)?;
    }
    let created_at = match body.str_of("created_at") {
        None => None,
        Some(text) => Some(parse_rfc3339_ms(text).ok_or_else(|| {
            ApiError::format_invalid("created_at", "created_at must be an RFC 3339 date-time.")
        })?),
    };
    let now = app.now();
    let id = app.id("org_");
    let mut st = app.write();
    let st = &mut *st;
    let created_by = body.str_of("created_by").map(str::to_owned);
    if let Some(user_id) = &created_by {
        if !st.users.contains_key(user_id) {
            return Err(ApiError::not_found("User").param("created_by"));
        }
    }
    let slug = match explicit_slug {
        Some(slug) => {
            if st.idx.slug.contains_key(&slug) {
                return Err(ApiError::identifier_exists("slug", "slug"));
            }
            slug
        }
        None => {
            let base = slugify(&name);
            let mut candidate = base.clone();
            let mut n = 2;
            while st.idx.slug.contains_key(&candidate) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        }
    };
    let seq = st.next_seq();
    let rec = OrgRec {
        id: id.clone(),
        name,
        slug: slug.clone(),
        image_url: None,
        max_allowed_memberships: body.int_of("max_allowed_memberships").unwrap_or(0),
        admin_delete_enabled: true,
        public_metadata: metadata(body, "public_metadata"),
        private_metadata: metadata(body, "private_metadata"),
        created_by: created_by.clone(),
        role_set_key: body.str_of("role_set_key").map(str::to_owned),
        created_at: created_at.unwrap_or(now),
        updated_at: now,
        seq,
    };
    st.idx.slug.insert(slug, id.clone());
    st.orgs.insert(id.clone(), rec);
    let rendered = st
        .orgs
        .get(&id)
        .map(|o| render::org(st, o, false))
        .ok_or_else(|| ApiError::internal("organization vanished"))?;
    app.emit("organization.created", &rendered, meta);
    // The creator becomes the first admin.
    if let Some(user_id) = created_by {
        add_member(
            app,
            st,
            &id,
            &user_id,
            "org:admin",
            Map::new(),
            Map::new(),
            meta,
        )?;
    }
    Ok(rendered)
}

fn create(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let org = create_org(app, call.obj(), &call.meta)?;
    Reply::ok(&org)
}

fn get(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let org = find(&st, call.param("organization_id"))?;
    let count = call.query.bool("include_members_count").unwrap_or(false);
    Reply::ok(&render::org(&st, org, count))
}

fn list(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let st = app.read();
    let text = q.str("query").map(str::to_lowercase);
    let user_ids = q.all("user_id");
    let org_ids = q.all("organization_id");
    let members: Option<std::collections::HashSet<&str>> = (!user_ids.is_empty()).then(|| {
        st.memberships
            .values()
            .filter(|m| user_ids.contains(&m.user_id.as_str()))
            .map(|m| m.org_id.as_str())
            .collect()
    });
    let items: Vec<&OrgRec> = st
        .orgs
        .values()
        .filter(|o| {
            text.as_deref().is_none_or(|t| {
                o.name.to_lowercase().contains(t) || o.slug.contains(t) || o.id.contains(t)
            })
        })
        .filter(|o| org_ids.is_empty() || org_ids.contains(&o.id.as_str()))
        .filter(|o| members.as_ref().is_none_or(|m| m.contains(o.id.as_str())))
        .collect();
    let (items, total) = sort_page(
        items,
        q,
        &["created_at", "name", "members_count"],
        "-created_at",
        |o, field| {
            let key = match field {
                "name" => SortKey::Text(o.name.to_lowercase()),
                "members_count" => SortKey::Int(
                    i64::try_from(st.org_memberships(&o.id).count()).unwrap_or(i64::MAX),
                ),
                _ => SortKey::Int(o.created_at),
            };
            (key, o.seq)
        },
    )?;
    let count = q.bool("include_members_count").unwrap_or(false);
    let data: Vec<_> = items
        .into_iter()
        .map(|o| render::org(&st, o, count))
        .collect();
    list_reply(data, total, true)
}

fn update(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    if let Some(Some(slug)) = body.nullable_str("slug") {
        check_slug(&slug)?;
    }
    let created_at = match body.str_of("created_at") {
        None => None,
        Some(text) => Some(parse_rfc3339_ms(text).ok_or_else(|| {
            ApiError::format_invalid("created_at", "created_at must be an RFC 3339 date-time.")
        })?),
    };
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let id = org_id_of(st, call.param("organization_id"))?;
    if let Some(Some(slug)) = body.nullable_str("slug") {
        if st.idx.slug.get(&slug).is_some_and(|owner| *owner != id) {
            return Err(ApiError::identifier_exists("slug", "slug"));
        }
    }
    let rec = st
        .orgs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    if let Some(Some(name)) = body.nullable_str("name") {
        rec.name = name;
    }
    if let Some(Some(slug)) = body.nullable_str("slug") {
        st.idx.slug.remove(&rec.slug);
        st.idx.slug.insert(slug.clone(), id.clone());
        rec.slug = slug;
    }
    if let Some(v) = body.int_of("max_allowed_memberships") {
        rec.max_allowed_memberships = v;
    }
    if let Some(v) = body.bool_of("admin_delete_enabled") {
        rec.admin_delete_enabled = v;
    }
    if let Some(v) = created_at {
        rec.created_at = v;
    }
    if let Some(v) = body.nullable_str("role_set_key") {
        rec.role_set_key = v;
    }
    rec.updated_at = now;
    org_updated(app, st, &id, &call.meta)
}

fn delete(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let st = &mut *st;
    let id = org_id_of(st, call.param("organization_id"))?;
    let membership_ids: Vec<String> = st.org_memberships(&id).map(|m| m.id.clone()).collect();
    for mid in membership_ids {
        remove_membership(app, st, &mid, &call.meta);
    }
    st.org_invitations.retain(|_, i| i.org_id != id);
    st.org_domains.retain(|_, d| d.org_id != id);
    for session in st.sessions.values_mut() {
        if session.last_active_org_id.as_deref() == Some(id.as_str()) {
            session.last_active_org_id = None;
        }
    }
    let Some(rec) = st.orgs.remove(&id) else {
        return Err(ApiError::not_found("Organization"));
    };
    st.idx.slug.remove(&rec.slug);
    let mut deleted = render::deleted("organization", &id);
    deleted.slug = Some(rec.slug);
    app.emit("organization.deleted", &deleted, &call.meta);
    Reply::ok(&deleted)
}

fn replace_metadata(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let mut st = app.write();
    let id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .orgs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    if let Some(m) = body.obj_of("public_metadata") {
        rec.public_metadata = m.clone();
    }
    if let Some(m) = body.obj_of("private_metadata") {
        rec.private_metadata = m.clone();
    }
    rec.updated_at = app.now();
    org_updated(app, &st, &id, &call.meta)
}

fn merge_metadata(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let mut st = app.write();
    let id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .orgs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    if let Some(m) = body.obj_of("public_metadata") {
        deep_merge(&mut rec.public_metadata, m);
    }
    if let Some(m) = body.obj_of("private_metadata") {
        deep_merge(&mut rec.private_metadata, m);
    }
    rec.updated_at = app.now();
    org_updated(app, &st, &id, &call.meta)
}

fn upload_logo(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    // The server checked the multipart body has a `file` part; its digest names the image.
    let digest = call
        .obj()
        .str_of("file_sha256")
        .unwrap_or("logo")
        .to_owned();
    let now = app.now();
    let mut st = app.write();
    let id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .orgs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    let url = format!("https://img.clerk.com/testkit/{id}/{digest}");
    rec.image_url = Some(url.clone());
    rec.updated_at = now;
    let org = render::org(
        &st,
        st.orgs
            .get(&id)
            .ok_or_else(|| ApiError::not_found("Organization"))?,
        false,
    );
    app.emit("organization.updated", &org, &call.meta);
    Reply::ok(&clerk_api::models::OrganizationWithLogo {
        object: org.object,
        id: org.id,
        name: org.name,
        slug: org.slug,
        members_count: org.members_count,
        missing_member_with_elevated_permissions: org.missing_member_with_elevated_permissions,
        pending_invitations_count: org.pending_invitations_count,
        max_allowed_memberships: org.max_allowed_memberships,
        admin_delete_enabled: org.admin_delete_enabled,
        public_metadata: org.public_metadata,
        private_metadata: org.private_metadata,
        created_by: org.created_by,
        created_at: org.created_at,
        updated_at: org.updated_at,
        last_active_at: org.last_active_at,
        role_set_key: org.role_set_key,
        logo_url: Some(url.clone()),
        image_url: url,
        has_image: true,
    })
}

fn delete_logo(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .orgs
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    rec.image_url = None;
    rec.updated_at = app.now();
    org_updated(app, &st, &id, &call.meta)
}

// ---- memberships --------------------------------------------------------------------------

/// Adds a member; fails if the user is unknown, already a member, or the organization is full.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_member(
    app: &App,
    st: &mut State,
    org_id: &str,
    user_id: &str,
    role: &str,
    public_metadata: Map<String, Value>,
    private_metadata: Map<String, Value>,
    meta: &RequestMeta,
) -> Result<clerk_api::models::OrganizationMembership, ApiError> {
    if !st.users.contains_key(user_id) {
        return Err(ApiError::not_found("User").param("user_id"));
    }
    let key = (org_id.to_owned(), user_id.to_owned());
    if st.idx.membership.contains_key(&key) {
        return Err(ApiError::bad_request(
            "already_a_member_in_organization",
            "The user is already a member of this organization.",
        )
        .param("user_id"));
    }
    let limit = st.orgs.get(org_id).map_or(0, |o| o.max_allowed_memberships);
    if limit > 0 && i64::try_from(st.org_memberships(org_id).count()).unwrap_or(i64::MAX) >= limit {
        return Err(ApiError::forbidden(
            "organization_membership_quota_exceeded",
            "The organization has reached its maximum number of members (max_allowed_memberships).",
        ));
    }
    let now = app.now();
    let id = app.id("orgmem_");
    let seq = st.next_seq();
    st.memberships.insert(
        id.clone(),
        MembershipRec {
            id: id.clone(),
            org_id: org_id.to_owned(),
            user_id: user_id.to_owned(),
            role: role.to_owned(),
            public_metadata,
            private_metadata,
            created_at: now,
            updated_at: now,
            seq,
        },
    );
    st.idx.membership.insert(key, id.clone());
    let rendered = st
        .memberships
        .get(&id)
        .map(|m| render::membership(app, st, m))
        .ok_or_else(|| ApiError::internal("membership vanished"))?;
    app.emit("organizationMembership.created", &rendered, meta);
    Ok(rendered)
}

/// Removes a membership and emits `organizationMembership.deleted`.
fn remove_membership(app: &App, st: &mut State, id: &str, meta: &RequestMeta) -> Option<Value> {
    let rendered = st
        .memberships
        .get(id)
        .map(|m| render::membership(app, st, m))?;
    let rec = st.memberships.remove(id)?;
    st.idx
        .membership
        .remove(&(rec.org_id.clone(), rec.user_id.clone()));
    for session in st.sessions.values_mut() {
        if session.user_id == rec.user_id
            && session.last_active_org_id.as_deref() == Some(rec.org_id.as_str())
        {
            session.last_active_org_id = None;
        }
    }
    app.emit("organizationMembership.deleted", &rendered, meta);
    serde_json::to_value(&rendered).ok()
}

fn membership_id(st: &State, org_id: &str, user_id: &str) -> Result<String, ApiError> {
    st.idx
        .membership
        .get(&(org_id.to_owned(), user_id.to_owned()))
        .cloned()
        .ok_or_else(|| ApiError::not_found("Organization membership"))
}

fn create_membership(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let role = body.str_of("role").unwrap_or("");
    check_role(app, role)?;
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let membership = add_member(
        app,
        &mut st,
        &org_id,
        body.str_of("user_id").unwrap_or(""),
        role,
        metadata(body, "public_metadata"),
        metadata(body, "private_metadata"),
        &call.meta,
    )?;
    Reply::ok(&membership)
}

fn membership_changed(
    app: &App,
    st: &State,
    id: &str,
    meta: &RequestMeta,
) -> Result<Reply, ApiError> {
    let rec = st
        .memberships
        .get(id)
        .ok_or_else(|| ApiError::not_found("Organization membership"))?;
    let rendered = render::membership(app, st, rec);
    app.emit("organizationMembership.updated", &rendered, meta);
    Reply::ok(&rendered)
}

fn update_membership(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let role = call.obj().str_of("role").unwrap_or("").to_owned();
    check_role(app, &role)?;
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let id = membership_id(&st, &org_id, call.param("user_id"))?;
    if let Some(rec) = st.memberships.get_mut(&id) {
        rec.role = role;
        rec.updated_at = app.now();
    }
    membership_changed(app, &st, &id, &call.meta)
}

fn membership_metadata(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let id = membership_id(&st, &org_id, call.param("user_id"))?;
    if let Some(rec) = st.memberships.get_mut(&id) {
        if let Some(m) = body.obj_of("public_metadata") {
            deep_merge(&mut rec.public_metadata, m);
        }
        if let Some(m) = body.obj_of("private_metadata") {
            deep_merge(&mut rec.private_metadata, m);
        }
        rec.updated_at = app.now();
    }
    membership_changed(app, &st, &id, &call.meta)
}

fn delete_membership(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let id = membership_id(&st, &org_id, call.param("user_id"))?;
    let rendered = remove_membership(app, &mut st, &id, &call.meta)
        .ok_or_else(|| ApiError::not_found("Organization membership"))?;
    Reply::ok(&rendered)
}

fn membership_sort_key(st: &State, m: &MembershipRec, field: &str) -> (SortKey, u64) {
    let user = st.users.get(&m.user_id);
    let key = match field {
        "first_name" => SortKey::opt_text(user.and_then(|u| u.first_name.as_deref())),
        "last_name" => SortKey::opt_text(user.and_then(|u| u.last_name.as_deref())),
        "username" => SortKey::opt_text(user.and_then(|u| u.username.as_deref())),
        "email_address" => SortKey::opt_text(
            user.and_then(|u| u.primary_email_id.as_ref())
                .and_then(|id| st.emails.get(id))
                .map(|e| e.email.as_str()),
        ),
        "phone_number" => SortKey::opt_text(
            user.and_then(|u| u.primary_phone_id.as_ref())
                .and_then(|id| st.phones.get(id))
                .map(|p| p.phone.as_str()),
        ),
        _ => SortKey::Int(m.created_at),
    };
    (key, m.seq)
}

const MEMBERSHIP_ORDER: &[&str] = &[
    "created_at",
    "first_name",
    "last_name",
    "email_address",
    "phone_number",
    "username",
];

fn list_memberships(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let st = app.read();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let user_ids = q.all("user_id");
    let roles = q.all("role");
    let emails: Vec<String> = q
        .all("email_address")
        .iter()
        .map(|e| e.to_lowercase())
        .collect();
    let phones = q.all("phone_number");
    let usernames: Vec<String> = q.all("username").iter().map(|u| u.to_lowercase()).collect();
    let text = q.str("query").map(str::to_lowercase);
    let email_q = q.str("email_address_query").map(str::to_lowercase);
    let name_q = q.str("name_query").map(str::to_lowercase);
    let username_q = q.str("username_query").map(str::to_lowercase);
    let phone_q = q.str("phone_number_query").map(str::to_lowercase);
    let items: Vec<&MembershipRec> = st
        .org_memberships(&org_id)
        .filter(|m| {
            let Some(u) = st.users.get(&m.user_id) else {
                return false;
            };
            let user_emails: Vec<String> = u
                .email_ids
                .iter()
                .filter_map(|id| st.emails.get(id))
                .map(|e| e.email.to_lowercase())
                .collect();
            let user_phones: Vec<&str> = u
                .phone_ids
                .iter()
                .filter_map(|id| st.phones.get(id))
                .map(|p| p.phone.as_str())
                .collect();
            let name = format!(
                "{} {}",
                u.first_name.as_deref().unwrap_or(""),
                u.last_name.as_deref().unwrap_or("")
            )
            .to_lowercase();
            let username = u.username.as_deref().unwrap_or("").to_lowercase();
            (user_ids.is_empty() || user_ids.contains(&m.user_id.as_str()))
                && (roles.is_empty() || roles.contains(&m.role.as_str()))
                && (emails.is_empty() || user_emails.iter().any(|e| emails.contains(e)))
                && (phones.is_empty() || user_phones.iter().any(|p| phones.contains(p)))
                && (usernames.is_empty() || usernames.contains(&username))
                && email_q
                    .as_deref()
                    .is_none_or(|s| user_emails.iter().any(|e| e.contains(s)))
                && phone_q
                    .as_deref()
                    .is_none_or(|s| user_phones.iter().any(|p| p.contains(s)))
                && name_q.as_deref().is_none_or(|s| name.contains(s))
                && username_q.as_deref().is_none_or(|s| username.contains(s))
                && text.as_deref().is_none_or(|s| {
                    name.contains(s)
                        || username.contains(s)
                        || user_emails.iter().any(|e| e.contains(s))
                        || user_phones.iter().any(|p| p.contains(s))
                        || u.id.to_lowercase().contains(s)
                })
                && q.int("created_at_before").is_none_or(|t| m.created_at < t)
                && q.int("created_at_after").is_none_or(|t| m.created_at > t)
                && q.int("last_active_at_before")
                    .is_none_or(|t| u.last_active_at.is_some_and(|v| v < t))
                && q.int("last_active_at_after")
                    .is_none_or(|t| u.last_active_at.is_some_and(|v| v > t))
        })
        .collect();
    let (items, total) = sort_page(items, q, MEMBERSHIP_ORDER, "-created_at", |m, f| {
        membership_sort_key(&st, m, f)
    })?;
    let data: Vec<_> = items
        .into_iter()
        .map(|m| render::membership(app, &st, m))
        .collect();
    list_reply(data, total, true)
}

fn list_all_memberships(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let items: Vec<&MembershipRec> = st.memberships.values().collect();
    let (items, total) = sort_page(
        items,
        &call.query,
        MEMBERSHIP_ORDER,
        "-created_at",
        |m, f| membership_sort_key(&st, m, f),
    )?;
    let data: Vec<_> = items
        .into_iter()
        .map(|m| render::membership(app, &st, m))
        .collect();
    list_reply(data, total, true)
}

// ---- organization invitations -------------------------------------------------------------

const DAY_MS: i64 = 24 * 3600 * 1000;

fn new_invitation(
    app: &App,
    st: &mut State,
    org_id: &str,
    body: &Map<String, Value>,
) -> Result<OrgInvitationRec, ApiError> {
    let email = body.str_of("email_address").unwrap_or("").to_owned();
    if !is_email(&email) {
        return Err(ApiError::format_invalid(
            "email_address",
            "email_address must be a valid email address.",
        ));
    }
    let role = body.str_of("role").unwrap_or("").to_owned();
    check_role(app, &role)?;
    let inviter_id = body.str_of("inviter_user_id").map(str::to_owned);
    if let Some(inviter) = &inviter_id {
        if !st.users.contains_key(inviter) {
            return Err(ApiError::not_found("User").param("inviter_user_id"));
        }
    }
    let now = app.now();
    let lower = email.to_lowercase();
    if st.org_invitations.values().any(|i| {
        i.org_id == org_id
            && i.email.to_lowercase() == lower
            && render::invitation_status(&i.status, i.expires_at, now) == "pending"
    }) {
        return Err(ApiError::unprocessable(
            "duplicate_record",
            "There is already a pending invitation for this email address.",
        )
        .param("email_address"));
    }
    let days = body.int_of("expires_in_days").unwrap_or(30);
    Ok(OrgInvitationRec {
        id: app.id("orginv_"),
        org_id: org_id.to_owned(),
        email,
        role,
        inviter_id,
        status: "pending".to_owned(),
        public_metadata: metadata(body, "public_metadata"),
        private_metadata: metadata(body, "private_metadata"),
        redirect_url: body.str_of("redirect_url").map(str::to_owned),
        expires_at: Some(now.saturating_add(days.saturating_mul(DAY_MS))),
        created_at: now,
        updated_at: now,
        seq: st.next_seq(),
    })
}

/// Emits an `organizationInvitation.*` event: the invitation, with the organization's public
/// data under `data` and, for `accepted`, the accepting `user_id` (the webhooks spec's shape).
fn emit_invitation(
    app: &App,
    st: &State,
    event: &'static str,
    invitation: &clerk_api::models::OrganizationInvitation,
    user_id: Option<&str>,
    meta: &RequestMeta,
) {
    let Ok(Value::Object(mut data)) = serde_json::to_value(invitation) else {
        return;
    };
    let public = invitation
        .organization_id
        .as_ref()
        .and_then(|id| st.orgs.get(id))
        .map(render::public_org_data);
    let mut nested = Map::new();
    nested.insert(
        "public_organization_data".into(),
        serde_json::to_value(public).unwrap_or(Value::Null),
    );
    data.insert("data".into(), Value::Object(nested));
    if let Some(user_id) = user_id {
        data.insert("user_id".into(), Value::String(user_id.to_owned()));
    }
    app.emit(event, &data, meta);
}

fn store_invitation(
    app: &App,
    st: &mut State,
    rec: OrgInvitationRec,
    meta: &RequestMeta,
) -> clerk_api::models::OrganizationInvitation {
    let rendered = render::org_invitation(app, st, &rec, app.now());
    st.org_invitations.insert(rec.id.clone(), rec);
    emit_invitation(
        app,
        st,
        "organizationInvitation.created",
        &rendered,
        None,
        meta,
    );
    rendered
}

fn create_invitation(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let rec = new_invitation(app, &mut st, &org_id, call.obj())?;
    let rendered = store_invitation(app, &mut st, rec, &call.meta);
    Reply::ok(&rendered)
}

fn create_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let items: Vec<Map<String, Value>> = call
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
        .unwrap_or_default();
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    // All or nothing: build every invitation before storing any.
    let mut recs = Vec::with_capacity(items.len());
    for body in &items {
        let rec = new_invitation(app, &mut st, &org_id, body)?;
        if recs
            .iter()
            .any(|r: &OrgInvitationRec| r.email.eq_ignore_ascii_case(&rec.email))
        {
            return Err(ApiError::unprocessable(
                "duplicate_record",
                "The same email address appears twice in the request.",
            )
            .param("email_address"));
        }
        recs.push(rec);
    }
    let data: Vec<_> = recs
        .into_iter()
        .map(|rec| store_invitation(app, &mut st, rec, &call.meta))
        .collect();
    let total = data.len();
    list_reply(data, total, true)
}

fn invitation_list(
    app: &App,
    call: &Call,
    org_id: Option<&str>,
    statuses: &[&str],
) -> Result<(Vec<OrgInvitationRec>, usize), ApiError> {
    let q = &call.query;
    let now = app.now();
    let st = app.read();
    let email = q.str("email_address").map(str::to_lowercase);
    let text = q.str("query").map(str::to_lowercase);
    let items: Vec<&OrgInvitationRec> = st
        .org_invitations
        .values()
        .filter(|i| org_id.is_none_or(|o| i.org_id == o))
        .filter(|i| {
            statuses.is_empty()
                || statuses.contains(&render::invitation_status(&i.status, i.expires_at, now))
        })
        .filter(|i| email.as_deref().is_none_or(|e| i.email.to_lowercase() == e))
        .filter(|i| {
            text.as_deref()
                .is_none_or(|t| i.email.to_lowercase().contains(t))
        })
        .collect();
    let (items, total) = sort_page(
        items,
        q,
        &["created_at", "email_address"],
        "-created_at",
        |i, f| {
            let key = if f == "email_address" {
                SortKey::Text(i.email.to_lowercase())
            } else {
                SortKey::Int(i.created_at)
            };
            (key, i.seq)
        },
    )?;
    Ok((items.into_iter().cloned().collect(), total))
}

fn list_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let org_id = org_id_of(&app.read(), call.param("organization_id"))?;
    let statuses = call.query.all("status");
    let (items, total) = invitation_list(app, call, Some(&org_id), &statuses)?;
    let now = app.now();
    let st = app.read();
    let data: Vec<_> = items
        .iter()
        .map(|i| render::org_invitation(app, &st, i, now))
        .collect();
    list_reply(data, total, true)
}

fn list_pending_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let org_id = org_id_of(&app.read(), call.param("organization_id"))?;
    let (items, total) = invitation_list(app, call, Some(&org_id), &["pending"])?;
    let now = app.now();
    let st = app.read();
    let data: Vec<_> = items
        .iter()
        .map(|i| render::org_invitation(app, &st, i, now))
        .collect();
    list_reply(data, total, true)
}

fn list_all_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let statuses = call.query.all("status");
    let (items, total) = invitation_list(app, call, None, &statuses)?;
    let now = app.now();
    let st = app.read();
    let data: Vec<_> = items
        .iter()
        .map(|i| render::org_invitation_with_org(app, &st, i, now))
        .collect();
    list_reply(data, total, true)
}

fn get_invitation(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .org_invitations
        .get(call.param("invitation_id"))
        .filter(|i| i.org_id == org_id)
        .ok_or_else(|| ApiError::not_found("Organization invitation"))?;
    Reply::ok(&render::org_invitation(app, &st, rec, app.now()))
}

fn revoke_invitation(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let now = app.now();
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .org_invitations
        .get_mut(call.param("invitation_id"))
        .filter(|i| i.org_id == org_id)
        .ok_or_else(|| ApiError::not_found("Organization invitation"))?;
    if render::invitation_status(&rec.status, rec.expires_at, now) != "pending" {
        return Err(ApiError::bad_request(
            "organization_invitation_not_pending",
            "Only pending invitations can be revoked.",
        ));
    }
    rec.status = "revoked".to_owned();
    rec.updated_at = now;
    let rec = rec.clone();
    let rendered = render::org_invitation(app, &st, &rec, now);
    emit_invitation(
        app,
        &st,
        "organizationInvitation.revoked",
        &rendered,
        None,
        &call.meta,
    );
    Reply::ok(&rendered)
}

/// Accepts a pending invitation for `user_id` (the Frontend API's part, offered by the testkit
/// API): the invitation becomes `accepted` and the user a member.
pub(crate) fn accept_invitation(
    app: &App,
    invitation_id: &str,
    user_id: &str,
    meta: &RequestMeta,
) -> Result<clerk_api::models::OrganizationMembership, ApiError> {
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let rec = st
        .org_invitations
        .get(invitation_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("Organization invitation"))?;
    if render::invitation_status(&rec.status, rec.expires_at, now) != "pending" {
        return Err(ApiError::bad_request(
            "organization_invitation_not_pending",
            "Only pending invitations can be accepted.",
        ));
    }
    let membership = add_member(
        app,
        st,
        &rec.org_id,
        user_id,
        &rec.role,
        rec.public_metadata.clone(),
        Map::new(),
        meta,
    )?;
    if let Some(inv) = st.org_invitations.get_mut(invitation_id) {
        inv.status = "accepted".to_owned();
        inv.updated_at = now;
    }
    if let Some(inv) = st.org_invitations.get(invitation_id) {
        let rendered = render::org_invitation(app, st, inv, now);
        emit_invitation(
            app,
            st,
            "organizationInvitation.accepted",
            &rendered,
            Some(user_id),
            meta,
        );
    }
    Ok(membership)
}

// ---- organization domains -----------------------------------------------------------------

fn check_enrollment(mode: &str) -> Result<(), ApiError> {
    if ENROLLMENT_MODES.contains(&mode) {
        Ok(())
    } else {
        Err(ApiError::value_invalid(
            "enrollment_mode",
            format!(
                "enrollment_mode must be one of {}.",
                ENROLLMENT_MODES.join(", ")
            ),
        ))
    }
}

fn domain_event(
    app: &App,
    st: &State,
    rec: &OrgDomainRec,
    event: &'static str,
    meta: &RequestMeta,
) {
    app.emit(event, &render::org_domain(st, rec), meta);
}

fn create_domain(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let name = body
        .str_of("name")
        .ok_or_else(|| ApiError::param_missing("name"))?
        .trim()
        .to_lowercase();
    if !name.contains('.') || name.contains(' ') || name.contains('@') {
        return Err(ApiError::format_invalid(
            "name",
            "name must be a domain name, such as example.com.",
        ));
    }
    let mode = body
        .str_of("enrollment_mode")
        .ok_or_else(|| ApiError::param_missing("enrollment_mode"))?
        .to_owned();
    check_enrollment(&mode)?;
    let now = app.now();
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    if st.org_domains.values().any(|d| d.name == name) {
        return Err(ApiError::identifier_exists("name", "domain"));
    }
    let rec = OrgDomainRec {
        id: app.id("orgdmn_"),
        org_id,
        name,
        enrollment_mode: mode,
        verified: body.bool_of("verified").unwrap_or(true),
        created_at: now,
        updated_at: now,
        seq: st.next_seq(),
    };
    let rendered = render::org_domain(&st, &rec);
    domain_event(app, &st, &rec, "organizationDomain.created", &call.meta);
    st.org_domains.insert(rec.id.clone(), rec);
    Reply::ok(&rendered)
}

fn update_domain(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    if let Some(mode) = body.str_of("enrollment_mode") {
        check_enrollment(mode)?;
    }
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let rec = st
        .org_domains
        .get_mut(call.param("domain_id"))
        .filter(|d| d.org_id == org_id)
        .ok_or_else(|| ApiError::not_found("Organization domain"))?;
    if let Some(mode) = body.str_of("enrollment_mode") {
        rec.enrollment_mode = mode.to_owned();
    }
    if let Some(v) = body.bool_of("verified") {
        rec.verified = v;
    }
    rec.updated_at = app.now();
    let rec = rec.clone();
    domain_event(app, &st, &rec, "organizationDomain.updated", &call.meta);
    Reply::ok(&render::org_domain(&st, &rec))
}

fn delete_domain(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let id = call.param("domain_id");
    if st.org_domains.get(id).is_none_or(|d| d.org_id != org_id) {
        return Err(ApiError::not_found("Organization domain"));
    }
    st.org_domains.remove(id);
    let deleted = render::deleted("organization_domain", id);
    app.emit("organizationDomain.deleted", &deleted, &call.meta);
    Reply::ok(&deleted)
}

fn domain_filter(rec: &OrgDomainRec, verified: Option<&str>, modes: &[&str]) -> bool {
    let verified_ok = match verified {
        Some("true") => rec.verified,
        Some("false") => !rec.verified,
        _ => true,
    };
    let included: Vec<&str> = modes
        .iter()
        .filter(|m| !m.starts_with('-'))
        .copied()
        .collect();
    let excluded: Vec<&str> = modes.iter().filter_map(|m| m.strip_prefix('-')).collect();
    verified_ok
        && (included.is_empty() || included.contains(&rec.enrollment_mode.as_str()))
        && !excluded.contains(&rec.enrollment_mode.as_str())
}

fn list_domains(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let st = app.read();
    let org_id = org_id_of(&st, call.param("organization_id"))?;
    let modes: Vec<&str> = q.str("enrollment_mode").into_iter().collect();
    let mut items: Vec<&OrgDomainRec> = st
        .org_domains
        .values()
        .filter(|d| d.org_id == org_id && domain_filter(d, q.str("verified"), &modes))
        .collect();
    items.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.seq)));
    let (items, total) = page(items, q);
    let data: Vec<_> = items
        .into_iter()
        .map(|d| render::org_domain(&st, d))
        .collect();
    list_reply(data, total, true)
}

fn list_all_domains(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let st = app.read();
    let modes = q.all("enrollment_mode");
    let names = q.all("domains");
    let text = q.str("query").map(str::to_lowercase);
    let items: Vec<&OrgDomainRec> = st
        .org_domains
        .values()
        .filter(|d| q.str("organization_id").is_none_or(|o| d.org_id == o))
        .filter(|d| domain_filter(d, q.str("verified"), &modes))
        .filter(|d| names.is_empty() || names.contains(&d.name.as_str()))
        .filter(|d| text.as_deref().is_none_or(|t| d.name.contains(t)))
        .collect();
    let (items, total) = sort_page(items, q, &["created_at", "name"], "-created_at", |d, f| {
        let key = if f == "name" {
            SortKey::Text(d.name.clone())
        } else {
            SortKey::Int(d.created_at)
        };
        (key, d.seq)
    })?;
    let data: Vec<_> = items
        .into_iter()
        .map(|d| render::org_domain(&st, d))
        .collect();
    list_reply(data, total, true)
}
