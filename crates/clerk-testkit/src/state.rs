//! The emulator's state: one record type per resource, the collections, and the uniqueness
//! indexes. Everything lives behind one lock in [`App`](crate::app::App), so each request sees
//! and changes a consistent snapshot (uniqueness checks and inserts are atomic).
//!
//! The records (not the indexes, which are rebuilt) serialize to the `--state` file. They hold
//! credentials (password hashes, TOTP secrets, API-key and machine secrets), so none of them
//! implements `Debug`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a user's password is stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum PasswordRec {
    /// Set through the API: SHA-256 of a random salt and the password.
    Salted { salt: String, sha256: String },
    /// Imported with `password_digest` / `password_hasher`.
    Digest { hasher: String, digest: String },
}

/// A user.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct UserRec {
    pub(crate) id: String,
    pub(crate) external_id: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    #[serde(default)]
    pub(crate) locale: Option<String>,
    #[serde(default)]
    pub(crate) password: Option<PasswordRec>,
    #[serde(default)]
    pub(crate) totp_secret: Option<String>,
    #[serde(default)]
    pub(crate) backup_codes: Vec<String>,
    pub(crate) public_metadata: Map<String, Value>,
    pub(crate) private_metadata: Map<String, Value>,
    pub(crate) unsafe_metadata: Map<String, Value>,
    pub(crate) email_ids: Vec<String>,
    pub(crate) phone_ids: Vec<String>,
    #[serde(default)]
    pub(crate) web3_wallets: Vec<Web3Rec>,
    pub(crate) primary_email_id: Option<String>,
    pub(crate) primary_phone_id: Option<String>,
    #[serde(default)]
    pub(crate) primary_web3_wallet_id: Option<String>,
    pub(crate) banned: bool,
    pub(crate) locked: bool,
    #[serde(default)]
    pub(crate) image_url: Option<String>,
    #[serde(default)]
    pub(crate) mfa_enabled_at: Option<i64>,
    #[serde(default)]
    pub(crate) mfa_disabled_at: Option<i64>,
    #[serde(default)]
    pub(crate) password_last_updated_at: Option<i64>,
    #[serde(default)]
    pub(crate) last_sign_in_at: Option<i64>,
    #[serde(default)]
    pub(crate) last_active_at: Option<i64>,
    #[serde(default)]
    pub(crate) legal_accepted_at: Option<i64>,
    pub(crate) delete_self_enabled: bool,
    pub(crate) create_organization_enabled: bool,
    #[serde(default)]
    pub(crate) create_organizations_limit: Option<i64>,
    #[serde(default)]
    pub(crate) bypass_client_trust: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    /// Insertion order, to break `created_at` ties.
    pub(crate) seq: u64,
}

/// A web3 wallet of a user.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Web3Rec {
    pub(crate) id: String,
    pub(crate) address: String,
    pub(crate) created_at: i64,
}

/// An e-mail address.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct EmailRec {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) email: String,
    pub(crate) verified: bool,
    pub(crate) reserved: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A phone number.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct PhoneRec {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) phone: String,
    pub(crate) verified: bool,
    pub(crate) reserved: bool,
    pub(crate) reserved_for_second_factor: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A session.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct SessionRec {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    /// `active`, `revoked`, `ended`, `removed` (`expired`/`abandoned` are derived from the clock).
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) actor: Option<Value>,
    pub(crate) last_active_org_id: Option<String>,
    pub(crate) last_active_at: i64,
    pub(crate) expire_at: i64,
    pub(crate) abandon_at: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// A client (a browser or device holding sessions).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ClientRec {
    pub(crate) id: String,
    pub(crate) session_ids: Vec<String>,
    pub(crate) last_active_session_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An organization.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct OrgRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    #[serde(default)]
    pub(crate) image_url: Option<String>,
    pub(crate) max_allowed_memberships: i64,
    pub(crate) admin_delete_enabled: bool,
    pub(crate) public_metadata: Map<String, Value>,
    pub(crate) private_metadata: Map<String, Value>,
    pub(crate) created_by: Option<String>,
    #[serde(default)]
    pub(crate) role_set_key: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// A membership of a user in an organization.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct MembershipRec {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) user_id: String,
    pub(crate) role: String,
    pub(crate) public_metadata: Map<String, Value>,
    pub(crate) private_metadata: Map<String, Value>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An invitation to an organization.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct OrgInvitationRec {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) inviter_id: Option<String>,
    /// `pending`, `accepted`, `revoked` (`expired` is derived from the clock).
    pub(crate) status: String,
    pub(crate) public_metadata: Map<String, Value>,
    pub(crate) private_metadata: Map<String, Value>,
    pub(crate) redirect_url: Option<String>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// A domain of an organization.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct OrgDomainRec {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) name: String,
    pub(crate) enrollment_mode: String,
    pub(crate) verified: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An invitation to the instance.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct InvitationRec {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) public_metadata: Map<String, Value>,
    /// `pending`, `accepted`, `revoked` (`expired` is derived from the clock).
    pub(crate) status: String,
    pub(crate) redirect_url: Option<String>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An allowlist or blocklist identifier.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct IdentifierRec {
    pub(crate) id: String,
    pub(crate) identifier: String,
    pub(crate) identifier_type: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// A redirect URL.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct RedirectRec {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// A sign-in token or an actor token (both are single-use tickets).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct TicketRec {
    pub(crate) id: String,
    pub(crate) user_id: String,
    /// `pending`, `accepted`, `revoked`.
    pub(crate) status: String,
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) actor: Option<Value>,
    pub(crate) expires_at: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A JWT template.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct JwtTemplateRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) claims: Map<String, Value>,
    pub(crate) lifetime: i64,
    pub(crate) allowed_clock_skew: i64,
    pub(crate) custom_signing_key: bool,
    pub(crate) signing_algorithm: String,
    #[serde(default)]
    pub(crate) signing_key: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// A machine.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct MachineRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) default_token_ttl: i64,
    pub(crate) secret_key: String,
    /// Previous secret keys still accepted until the given time (after a rotation).
    #[serde(default)]
    pub(crate) previous_secret_keys: Vec<(String, i64)>,
    /// Machines this machine may send tokens to, with the time each scope was created.
    pub(crate) scopes: Vec<(String, i64)>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An opaque M2M token.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct M2mRec {
    pub(crate) id: String,
    pub(crate) token: String,
    pub(crate) subject: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Option<Value>,
    pub(crate) revoked: bool,
    pub(crate) revocation_reason: Option<String>,
    pub(crate) expiration: Option<i64>,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An API key.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ApiKeyRec {
    pub(crate) id: String,
    pub(crate) secret: String,
    pub(crate) key_type: String,
    pub(crate) subject: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) claims: Option<Value>,
    pub(crate) scopes: Vec<String>,
    pub(crate) created_by: Option<String>,
    pub(crate) revoked: bool,
    pub(crate) revocation_reason: Option<String>,
    pub(crate) expiration: Option<i64>,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

/// An OAuth access token issued through the testkit API.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct OAuthTokenRec {
    pub(crate) id: String,
    pub(crate) token: String,
    pub(crate) client_id: String,
    pub(crate) subject: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) revoked: bool,
    pub(crate) revocation_reason: Option<String>,
    pub(crate) expiration: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// Every resource, plus indexes for the unique identifiers.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct State {
    pub(crate) users: HashMap<String, UserRec>,
    pub(crate) emails: HashMap<String, EmailRec>,
    pub(crate) phones: HashMap<String, PhoneRec>,
    pub(crate) sessions: HashMap<String, SessionRec>,
    pub(crate) clients: HashMap<String, ClientRec>,
    pub(crate) orgs: HashMap<String, OrgRec>,
    pub(crate) memberships: HashMap<String, MembershipRec>,
    pub(crate) org_invitations: HashMap<String, OrgInvitationRec>,
    pub(crate) org_domains: HashMap<String, OrgDomainRec>,
    pub(crate) invitations: HashMap<String, InvitationRec>,
    pub(crate) allowlist: HashMap<String, IdentifierRec>,
    pub(crate) blocklist: HashMap<String, IdentifierRec>,
    pub(crate) redirect_urls: HashMap<String, RedirectRec>,
    pub(crate) sign_in_tokens: HashMap<String, TicketRec>,
    pub(crate) actor_tokens: HashMap<String, TicketRec>,
    pub(crate) jwt_templates: HashMap<String, JwtTemplateRec>,
    pub(crate) machines: HashMap<String, MachineRec>,
    pub(crate) m2m_tokens: HashMap<String, M2mRec>,
    pub(crate) api_keys: HashMap<String, ApiKeyRec>,
    pub(crate) oauth_tokens: HashMap<String, OAuthTokenRec>,
    /// Insertion counter (for stable ordering).
    pub(crate) seq: u64,

    #[serde(skip)]
    pub(crate) idx: Indexes,
}

/// Lookups by unique identifier. Keys of e-mail addresses and usernames are lowercase.
#[derive(Default)]
pub(crate) struct Indexes {
    pub(crate) email: HashMap<String, String>,
    pub(crate) phone: HashMap<String, String>,
    pub(crate) web3: HashMap<String, String>,
    pub(crate) username: HashMap<String, String>,
    pub(crate) external_id: HashMap<String, String>,
    pub(crate) slug: HashMap<String, String>,
    pub(crate) membership: HashMap<(String, String), String>,
    pub(crate) m2m_token: HashMap<String, String>,
    pub(crate) api_key_secret: HashMap<String, String>,
    pub(crate) oauth_token: HashMap<String, String>,
    pub(crate) machine_secret: HashMap<String, String>,
    pub(crate) template_name: HashMap<String, String>,
}

impl State {
    /// The next insertion number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq = self.seq.saturating_add(1);
        self.seq
    }

    /// Rebuilds every index from the records (after loading a state file).
    pub(crate) fn rebuild_indexes(&mut self) {
        let mut idx = Indexes::default();
        for e in self.emails.values() {
            idx.email.insert(e.email.to_lowercase(), e.id.clone());
        }
        for p in self.phones.values() {
            idx.phone.insert(p.phone.clone(), p.id.clone());
        }
        for u in self.users.values() {
            if let Some(name) = &u.username {
                idx.username.insert(name.to_lowercase(), u.id.clone());
            }
            if let Some(ext) = &u.external_id {
                idx.external_id.insert(ext.clone(), u.id.clone());
            }
            for w in &u.web3_wallets {
                idx.web3.insert(w.address.to_lowercase(), u.id.clone());
            }
        }
        for o in self.orgs.values() {
            idx.slug.insert(o.slug.clone(), o.id.clone());
        }
        for m in self.memberships.values() {
            idx.membership
                .insert((m.org_id.clone(), m.user_id.clone()), m.id.clone());
        }
        for t in self.m2m_tokens.values() {
            idx.m2m_token.insert(t.token.clone(), t.id.clone());
        }
        for k in self.api_keys.values() {
            idx.api_key_secret.insert(k.secret.clone(), k.id.clone());
        }
        for t in self.oauth_tokens.values() {
            idx.oauth_token.insert(t.token.clone(), t.id.clone());
        }
        for m in self.machines.values() {
            idx.machine_secret
                .insert(m.secret_key.clone(), m.id.clone());
            for (old, _) in &m.previous_secret_keys {
                idx.machine_secret.insert(old.clone(), m.id.clone());
            }
        }
        for t in self.jwt_templates.values() {
            idx.template_name.insert(t.name.clone(), t.id.clone());
        }
        self.idx = idx;
    }

    /// The memberships of an organization.
    pub(crate) fn org_memberships<'a>(
        &'a self,
        org_id: &'a str,
    ) -> impl Iterator<Item = &'a MembershipRec> + 'a {
        self.memberships
            .values()
            .filter(move |m| m.org_id == org_id)
    }

    /// The memberships of a user.
    pub(crate) fn user_memberships<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a MembershipRec> + 'a {
        self.memberships
            .values()
            .filter(move |m| m.user_id == user_id)
    }
}
