//! Records → the generated response models of `clerk-api`, so every response has the spec's
//! shape by construction.

use clerk_api::models::{
    self, DeletedObject, EmailAddress, EmailAddressVerification, IdentificationLink, Invitation,
    InvitationOrganizationData, Organization, OrganizationDomain, OrganizationInvitation,
    OrganizationInvitationPublicUserData, OrganizationMembership,
    OrganizationMembershipPublicUserData, PhoneNumber, PhoneNumberVerification, Session, User,
    VerificationAdmin, Web3Wallet, Web3WalletVerification,
};
use serde_json::{Map, Value};

use crate::app::App;
use crate::state::{
    EmailRec, InvitationRec, MembershipRec, OrgDomainRec, OrgInvitationRec, OrgRec, PhoneRec,
    SessionRec, State, UserRec,
};

/// The avatar Clerk serves for users and organizations without an image.
pub(crate) const DEFAULT_IMAGE_URL: &str = "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9";

fn admin_verification() -> VerificationAdmin {
    VerificationAdmin {
        object: Some("verification_admin".to_owned()),
        status: models::VerifiedStatus::Verified,
        strategy: models::VerificationAdminStrategy::Admin,
        attempts: None,
        expire_at: None,
        verified_at_client: None,
    }
}

/// An e-mail address.
pub(crate) fn email(rec: &EmailRec) -> EmailAddress {
    EmailAddress {
        id: Some(rec.id.clone()),
        object: "email_address".to_owned(),
        email_address: rec.email.clone(),
        reserved: rec.reserved,
        verification: rec
            .verified
            .then(|| EmailAddressVerification::VerificationAdmin(admin_verification())),
        linked_to: Vec::<IdentificationLink>::new(),
        matches_sso_connection: None,
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

/// A phone number.
pub(crate) fn phone(rec: &PhoneRec, default_second_factor: bool) -> PhoneNumber {
    PhoneNumber {
        id: Some(rec.id.clone()),
        object: "phone_number".to_owned(),
        phone_number: rec.phone.clone(),
        reserved_for_second_factor: Some(rec.reserved_for_second_factor),
        default_second_factor: Some(default_second_factor),
        reserved: rec.reserved,
        verification: rec
            .verified
            .then(|| PhoneNumberVerification::VerificationAdmin(admin_verification())),
        linked_to: Vec::new(),
        backup_codes: None,
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

/// A user, with its e-mail addresses, phone numbers and wallets.
pub(crate) fn user(state: &State, rec: &UserRec) -> User {
    let email_addresses = rec
        .email_ids
        .iter()
        .filter_map(|id| state.emails.get(id))
        .map(email)
        .collect();
    let phone_numbers = rec
        .phone_ids
        .iter()
        .filter_map(|id| state.phones.get(id))
        .map(|p| phone(p, false))
        .collect();
    let web3_wallets = rec
        .web3_wallets
        .iter()
        .map(|w| Web3Wallet {
            id: Some(w.id.clone()),
            object: "web3_wallet".to_owned(),
            web3_wallet: w.address.clone(),
            verification: Some(Web3WalletVerification::VerificationAdmin(
                admin_verification(),
            )),
            created_at: w.created_at.into(),
            updated_at: w.created_at.into(),
        })
        .collect();
    let totp = rec.totp_secret.is_some();
    let backup = !rec.backup_codes.is_empty();
    let image_url = rec
        .image_url
        .clone()
        .unwrap_or_else(|| DEFAULT_IMAGE_URL.to_owned());
    User {
        id: rec.id.clone(),
        object: "user".to_owned(),
        external_id: rec.external_id.clone(),
        primary_email_address_id: rec.primary_email_id.clone(),
        primary_phone_number_id: rec.primary_phone_id.clone(),
        primary_web3_wallet_id: rec.primary_web3_wallet_id.clone(),
        username: rec.username.clone(),
        first_name: rec.first_name.clone(),
        last_name: rec.last_name.clone(),
        locale: rec.locale.clone(),
        profile_image_url: Some(image_url.clone()),
        image_url: Some(image_url),
        has_image: rec.image_url.is_some(),
        public_metadata: Value::Object(rec.public_metadata.clone()),
        private_metadata: Some(Value::Object(rec.private_metadata.clone())),
        unsafe_metadata: Some(Value::Object(rec.unsafe_metadata.clone())),
        email_addresses,
        phone_numbers,
        web3_wallets,
        passkeys: Vec::new(),
        password_enabled: rec.password.is_some(),
        two_factor_enabled: totp || backup,
        totp_enabled: totp,
        backup_code_enabled: backup,
        mfa_enabled_at: rec.mfa_enabled_at.map(Into::into),
        mfa_disabled_at: rec.mfa_disabled_at.map(Into::into),
        password_last_updated_at: rec.password_last_updated_at.map(Into::into),
        external_accounts: Vec::new(),
        saml_accounts: Vec::new(),
        enterprise_accounts: Vec::new(),
        organization_memberships: None,
        last_sign_in_at: rec.last_sign_in_at.map(Into::into),
        banned: rec.banned,
        locked: rec.locked,
        deprovisioned: Some(false),
        lockout_expires_in_seconds: None,
        verification_attempts_remaining: Some(if rec.locked { 0 } else { 100 }),
        updated_at: rec.updated_at.into(),
        created_at: rec.created_at.into(),
        delete_self_enabled: rec.delete_self_enabled,
        create_organization_enabled: rec.create_organization_enabled,
        create_organizations_limit: rec.create_organizations_limit,
        last_active_at: rec.last_active_at.map(Into::into),
        legal_accepted_at: rec.legal_accepted_at.map(Into::into),
        bypass_client_trust: Some(rec.bypass_client_trust),
        scim: None,
    }
}

/// The status a session shows now: stored statuses, or `expired` once past `expire_at`.
pub(crate) fn session_status(rec: &SessionRec, now: i64) -> &str {
    if rec.status == "active" && now >= rec.expire_at {
        "expired"
    } else {
        &rec.status
    }
}

/// A session.
pub(crate) fn session(rec: &SessionRec, now: i64) -> Session {
    Session {
        object: "session".to_owned(),
        id: rec.id.clone(),
        user_id: rec.user_id.clone(),
        client_id: rec.client_id.clone(),
        actor: rec.actor.clone(),
        status: models::SessionStatus::from(session_status(rec, now)),
        last_active_organization_id: rec.last_active_org_id.clone(),
        last_active_at: rec.last_active_at.into(),
        latest_activity: None,
        expire_at: rec.expire_at.into(),
        abandon_at: rec.abandon_at.into(),
        updated_at: rec.updated_at.into(),
        created_at: rec.created_at.into(),
        tasks: None,
    }
}

/// An organization (`members_count` when asked for).
pub(crate) fn org(state: &State, rec: &OrgRec, members_count: bool) -> Organization {
    let pending = state
        .org_invitations
        .values()
        .filter(|i| i.org_id == rec.id && i.status == "pending")
        .count();
    Organization {
        object: "organization".to_owned(),
        id: rec.id.clone(),
        name: rec.name.clone(),
        slug: rec.slug.clone(),
        image_url: Some(
            rec.image_url
                .clone()
                .unwrap_or_else(|| DEFAULT_IMAGE_URL.to_owned()),
        ),
        has_image: rec.image_url.is_some(),
        members_count: members_count
            .then(|| i64::try_from(state.org_memberships(&rec.id).count()).unwrap_or(i64::MAX)),
        missing_member_with_elevated_permissions: None,
        pending_invitations_count: Some(i64::try_from(pending).unwrap_or(i64::MAX)),
        max_allowed_memberships: rec.max_allowed_memberships,
        admin_delete_enabled: rec.admin_delete_enabled,
        public_metadata: Value::Object(rec.public_metadata.clone()),
        private_metadata: Some(Value::Object(rec.private_metadata.clone())),
        created_by: rec.created_by.clone(),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
        last_active_at: None,
        role_set_key: rec.role_set_key.clone(),
    }
}

/// A user's primary identifier (e-mail, else phone, else username).
fn identifier(state: &State, user: &UserRec) -> Option<String> {
    user.primary_email_id
        .as_ref()
        .and_then(|id| state.emails.get(id))
        .map(|e| e.email.clone())
        .or_else(|| {
            user.primary_phone_id
                .as_ref()
                .and_then(|id| state.phones.get(id))
                .map(|p| p.phone.clone())
        })
        .or_else(|| user.username.clone())
}

/// A membership, with its organization and the member's public data.
pub(crate) fn membership(app: &App, state: &State, rec: &MembershipRec) -> OrganizationMembership {
    let organization = state
        .orgs
        .get(&rec.org_id)
        .map(|o| org(state, o, false))
        .unwrap_or_else(|| missing_org(&rec.org_id));
    let public_user_data = state.users.get(&rec.user_id).map(|u| {
        let image_url = u
            .image_url
            .clone()
            .unwrap_or_else(|| DEFAULT_IMAGE_URL.to_owned());
        OrganizationMembershipPublicUserData {
            user_id: u.id.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            profile_image_url: Some(image_url.clone()),
            image_url,
            has_image: u.image_url.is_some(),
            identifier: identifier(state, u),
            username: u.username.clone(),
            banned: Some(u.banned),
            deprovisioned: Some(false),
        }
    });
    OrganizationMembership {
        id: rec.id.clone(),
        object: "organization_membership".to_owned(),
        role: rec.role.clone(),
        role_name: Some(app.roles.name(&rec.role)),
        permissions: app.roles.permissions(&rec.role),
        public_metadata: Value::Object(rec.public_metadata.clone()),
        private_metadata: Some(Value::Object(rec.private_metadata.clone())),
        organization,
        public_user_data,
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

fn missing_org(id: &str) -> Organization {
    Organization {
        object: "organization".to_owned(),
        id: id.to_owned(),
        name: String::new(),
        slug: String::new(),
        image_url: None,
        has_image: false,
        members_count: None,
        missing_member_with_elevated_permissions: None,
        pending_invitations_count: None,
        max_allowed_memberships: 0,
        admin_delete_enabled: false,
        public_metadata: Value::Object(Map::new()),
        private_metadata: None,
        created_by: None,
        created_at: 0.into(),
        updated_at: 0.into(),
        last_active_at: None,
        role_set_key: None,
    }
}

/// The status an invitation shows now (`expired` once past `expires_at`).
pub(crate) fn invitation_status(status: &str, expires_at: Option<i64>, now: i64) -> &str {
    match expires_at {
        Some(at) if status == "pending" && now >= at => "expired",
        _ => status,
    }
}

/// The public data of an organization, as embedded in invitations and domains.
pub(crate) fn public_org_data(rec: &OrgRec) -> InvitationOrganizationData {
    InvitationOrganizationData {
        id: rec.id.clone(),
        name: rec.name.clone(),
        slug: rec.slug.clone(),
        image_url: Some(
            rec.image_url
                .clone()
                .unwrap_or_else(|| DEFAULT_IMAGE_URL.to_owned()),
        ),
        has_image: rec.image_url.is_some(),
    }
}

/// An organization invitation.
pub(crate) fn org_invitation(
    app: &App,
    state: &State,
    rec: &OrgInvitationRec,
    now: i64,
) -> OrganizationInvitation {
    let public_inviter_data = rec
        .inviter_id
        .as_ref()
        .and_then(|id| state.users.get(id))
        .map(|u| OrganizationInvitationPublicUserData {
            user_id: u.id.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            image_url: u
                .image_url
                .clone()
                .unwrap_or_else(|| DEFAULT_IMAGE_URL.to_owned()),
            has_image: u.image_url.is_some(),
            identifier: identifier(state, u).unwrap_or_default(),
        });
    OrganizationInvitation {
        object: "organization_invitation".to_owned(),
        id: rec.id.clone(),
        email_address: rec.email.clone(),
        role: rec.role.clone(),
        role_name: app.roles.name(&rec.role),
        organization_id: Some(rec.org_id.clone()),
        inviter_id: rec.inviter_id.clone(),
        public_inviter_data,
        status: Some(invitation_status(&rec.status, rec.expires_at, now).to_owned()),
        public_metadata: Value::Object(rec.public_metadata.clone()),
        private_metadata: Some(Value::Object(rec.private_metadata.clone())),
        url: None,
        expires_at: rec.expires_at.map(Into::into),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

/// An organization invitation with the organization's public data (instance-wide lists).
pub(crate) fn org_invitation_with_org(
    app: &App,
    state: &State,
    rec: &OrgInvitationRec,
    now: i64,
) -> models::UserOrganizationInvitation {
    let base = org_invitation(app, state, rec, now);
    models::UserOrganizationInvitation {
        object: base.object,
        id: base.id,
        email_address: base.email_address,
        role: base.role,
        role_name: base.role_name,
        organization_id: base.organization_id,
        inviter_id: base.inviter_id,
        public_inviter_data: base.public_inviter_data,
        status: base.status,
        public_metadata: base.public_metadata,
        private_metadata: base.private_metadata,
        url: base.url,
        expires_at: base.expires_at,
        created_at: base.created_at,
        updated_at: base.updated_at,
        public_organization_data: state.orgs.get(&rec.org_id).map(public_org_data),
    }
}

/// An organization domain.
pub(crate) fn org_domain(state: &State, rec: &OrgDomainRec) -> OrganizationDomain {
    let verification = rec
        .verified
        .then(|| models::OrganizationDomainVerification {
            status: "verified".to_owned(),
            strategy: "admin".to_owned(),
            attempts: None,
            expire_at: None,
            verified_at: Some(rec.updated_at.into()),
        });
    OrganizationDomain {
        object: "organization_domain".to_owned(),
        id: rec.id.clone(),
        organization_id: rec.org_id.clone(),
        name: rec.name.clone(),
        enrollment_mode: models::OrganizationDomainEnrollmentMode::from(
            rec.enrollment_mode.as_str(),
        ),
        affiliation_email_address: None,
        affiliation_verification: None,
        ownership_verification: None,
        verification,
        total_pending_invitations: 0,
        total_pending_suggestions: 0,
        public_organization_data: state.orgs.get(&rec.org_id).map(public_org_data),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

/// An instance invitation.
pub(crate) fn invitation(rec: &InvitationRec, now: i64) -> Invitation {
    let status = invitation_status(&rec.status, rec.expires_at, now);
    Invitation {
        object: "invitation".to_owned(),
        id: rec.id.clone(),
        email_address: rec.email.clone(),
        public_metadata: Value::Object(rec.public_metadata.clone()),
        revoked: Some(status == "revoked"),
        status: models::InvitationStatus::from(status),
        url: None,
        expires_at: rec.expires_at.map(Into::into),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

/// `{"object": <object>, "id": <id>, "deleted": true}`.
pub(crate) fn deleted(object: &str, id: &str) -> DeletedObject {
    DeletedObject {
        object: object.to_owned(),
        id: Some(id.to_owned()),
        slug: None,
        deleted: true,
        external_id: None,
    }
}
