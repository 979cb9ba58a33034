//! The authentication state of a request: [`Auth`], and authorization checks with
//! [`Auth::has`].
//!
//! [`Auth::has`] follows `@clerk/shared`'s `has()`: each dimension asked for (organization
//! role/permission, feature/plan, reverification) passes or fails, and the check holds only if at
//! least one dimension was asked for and every one asked for passed. A signed-out or machine
//! request never passes.
//!
//! ```
//! use clerk_auth::{Auth, Check, Reverification, SessionClaims};
//!
//! let claims: SessionClaims = serde_json::from_str(r#"{
//!     "sub": "user_1", "sid": "sess_1", "exp": 1700000060,
//!     "org_id": "org_1", "org_role": "org:admin", "org_permissions": ["org:invoices:read"],
//!     "fea": "u:exports", "fva": [5, 5]
//! }"#)?;
//! let auth = Auth::from_claims(claims);
//! assert!(auth.has(&Check::role("admin")));
//! assert!(auth.has(&Check::permission("invoices:read").and_feature("exports")));
//! assert!(auth.has(&Check::reverification(Reverification::Strict)));
//! assert!(!auth.has(&Check::role("admin").and_plan("pro")));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::borrow::Cow;

use crate::claims::{Actor, SessionClaims, split_by_scope};
use crate::error::{ReasonKind, VerifyError};

/// The kind of token a request was authenticated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// A Clerk session token (a JWT from the `__session` cookie or a Bearer header).
    SessionToken,
    /// An API key (`ak_…`).
    ApiKey,
    /// A machine-to-machine token (`mt_…` or an M2M JWT).
    M2mToken,
    /// An OAuth access token (`oat_…` or an OAuth JWT).
    OAuthToken,
}

impl TokenType {
    /// The name `@clerk/backend` uses: `session_token`, `api_key`, `m2m_token` or `oauth_token`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenType::SessionToken => "session_token",
            TokenType::ApiKey => "api_key",
            TokenType::M2mToken => "m2m_token",
            TokenType::OAuthToken => "oauth_token",
        }
    }
}

/// Who made a request.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Auth {
    /// A user with a valid session.
    SignedIn(Box<SignedIn>),
    /// No valid session.
    SignedOut(SignedOut),
    /// A machine, authenticated with an API key, M2M token or OAuth token.
    Machine(MachineAuth),
}

impl Auth {
    /// The state for verified session claims. A pending session (`sts` is `pending`) is signed
    /// out, as `@clerk/backend`'s `toAuth()` does by default; use
    /// [`from_claims_allowing_pending`](Auth::from_claims_allowing_pending) to accept it.
    pub fn from_claims(claims: SessionClaims) -> Auth {
        if claims.is_pending() {
            return Auth::SignedOut(SignedOut {
                reason: SignedOutReason::SessionPending,
                message: None,
                session_status: Some("pending".to_owned()),
                token_type: Some(TokenType::SessionToken),
            });
        }
        Auth::from_claims_allowing_pending(claims)
    }

    /// The signed-in state for verified session claims, pending sessions included.
    pub fn from_claims_allowing_pending(claims: SessionClaims) -> Auth {
        Auth::SignedIn(Box::new(SignedIn::new(claims)))
    }

    /// The state for a verification result: signed in (see [`Auth::from_claims`]) or signed out
    /// with the error's reason and message.
    pub fn from_verification(result: Result<SessionClaims, VerifyError>) -> Auth {
        match result {
            Ok(claims) => Auth::from_claims(claims),
            Err(error) => Auth::SignedOut(SignedOut::from(&error)),
        }
    }

    /// A signed-out state with a reason, for a route that accepts session tokens (see
    /// [`SignedOut::with_token_type`] for others).
    pub fn signed_out(reason: SignedOutReason) -> Auth {
        Auth::SignedOut(SignedOut {
            reason,
            message: None,
            session_status: None,
            token_type: Some(TokenType::SessionToken),
        })
    }

    /// Whether the request is authenticated (a signed-in user or a machine).
    pub fn is_authenticated(&self) -> bool {
        !matches!(self, Auth::SignedOut(_))
    }

    /// Whether a user is signed in.
    pub fn is_signed_in(&self) -> bool {
        matches!(self, Auth::SignedIn(_))
    }

    /// The kind of token the request was authenticated with; when signed out, the kind the route
    /// accepted (`None` when a route accepting several kinds got a token of none of them), as
    /// `@clerk/backend`'s `tokenType`.
    pub fn token_type(&self) -> Option<TokenType> {
        match self {
            Auth::SignedIn(_) => Some(TokenType::SessionToken),
            Auth::SignedOut(signed_out) => signed_out.token_type,
            Auth::Machine(machine) => Some(machine.token_type),
        }
    }

    /// The signed-in state, if a user is signed in.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        match self {
            Auth::SignedIn(signed_in) => Some(signed_in),
            _ => None,
        }
    }

    /// The authenticated machine, if a machine token was presented.
    pub fn machine(&self) -> Option<&MachineAuth> {
        match self {
            Auth::Machine(machine) => Some(machine),
            _ => None,
        }
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<&str> {
        self.signed_in().map(SignedIn::user_id)
    }

    /// The signed-in session's id.
    pub fn session_id(&self) -> Option<&str> {
        self.signed_in().and_then(SignedIn::session_id)
    }

    /// The active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        self.signed_in().and_then(SignedIn::org_id)
    }

    /// The role in the active organization (`org:`-prefixed).
    pub fn org_role(&self) -> Option<&str> {
        self.signed_in().and_then(SignedIn::org_role)
    }

    /// The permissions in the active organization.
    pub fn org_permissions(&self) -> Option<&[String]> {
        self.signed_in().and_then(SignedIn::org_permissions)
    }

    /// The verified session claims.
    pub fn session_claims(&self) -> Option<&SessionClaims> {
        self.signed_in().map(SignedIn::claims)
    }

    /// Whether the signed-in user passes `check` (always `false` when signed out or for a
    /// machine, as in `@clerk/backend`). See [`SignedIn::has`].
    pub fn has(&self, check: &Check<'_>) -> bool {
        self.signed_in()
            .is_some_and(|signed_in| signed_in.has(check))
    }
}

impl From<MachineAuth> for Auth {
    fn from(machine: MachineAuth) -> Auth {
        Auth::Machine(machine)
    }
}

impl From<Result<SessionClaims, VerifyError>> for Auth {
    fn from(result: Result<SessionClaims, VerifyError>) -> Auth {
        Auth::from_verification(result)
    }
}

/// A signed-in user: the verified session claims and what is derived from them.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedIn {
    claims: SessionClaims,
    org_role: Option<String>,
    org_permissions: Option<Vec<String>>,
}

impl SignedIn {
    /// The signed-in state for verified claims (organization role and permissions are derived
    /// once, here).
    pub fn new(claims: SessionClaims) -> SignedIn {
        SignedIn {
            org_role: claims.org_role().map(Cow::into_owned),
            org_permissions: claims.org_permissions(),
            claims,
        }
    }

    /// The verified session claims.
    pub fn claims(&self) -> &SessionClaims {
        &self.claims
    }

    /// The verified session claims, by value.
    pub fn into_claims(self) -> SessionClaims {
        self.claims
    }

    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.claims.sub
    }

    /// The session id (`sid`).
    pub fn session_id(&self) -> Option<&str> {
        self.claims.session_id()
    }

    /// The session status (`sts`).
    pub fn session_status(&self) -> Option<&str> {
        self.claims.session_status()
    }

    /// The active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        self.claims.org_id()
    }

    /// The role in the active organization (`org:`-prefixed).
    pub fn org_role(&self) -> Option<&str> {
        self.org_role.as_deref()
    }

    /// The active organization's slug.
    pub fn org_slug(&self) -> Option<&str> {
        self.claims.org_slug()
    }

    /// The permissions in the active organization (see [`SessionClaims::org_permissions`]).
    pub fn org_permissions(&self) -> Option<&[String]> {
        self.org_permissions.as_deref()
    }

    /// The features claim (`fea`), raw.
    pub fn features(&self) -> Option<&str> {
        self.claims.fea.as_deref()
    }

    /// The plans claim (`pla`), raw.
    pub fn plans(&self) -> Option<&str> {
        self.claims.pla.as_deref()
    }

    /// Minutes since the first and second factor were verified (`-1`: factor not enabled).
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        self.claims.fva
    }

    /// The actor, for impersonation and agent sessions.
    pub fn actor(&self) -> Option<&Actor> {
        self.claims.actor()
    }

    /// Whether the user passes `check`, with `@clerk/shared`'s semantics:
    ///
    /// - `false` if the user id is empty, or if `check` asks for nothing.
    /// - Role and permission: need an active organization. Both sides are normalized to one
    ///   `org:` prefix, so `admin` matches `org:admin` and `invoices:read` matches
    ///   `org:invoices:read`.
    /// - Feature and plan: `name` matches an organization or user entry of `fea`/`pla`;
    ///   `org:name` (or `o:`, `organization:`) only organization entries, `user:name` (or `u:`)
    ///   only user entries; any other scope fails, as does a missing or empty claim.
    /// - Reverification: needs a valid `fva` (two ages, each `-1` or at least 0, not both `-1`);
    ///   a factor is fresh when it is enabled and was verified less than the allowed minutes ago.
    ///   `FirstFactor` needs the first factor fresh; `SecondFactor` the second (or the only
    ///   enabled one); `MultiFactor` both (or the first if no second factor is enabled).
    pub fn has(&self, check: &Check<'_>) -> bool {
        if self.user_id().is_empty() {
            return false;
        }
        let results = [
            self.check_org(check),
            self.check_billing(check),
            self.check_reverification(check),
        ];
        results.contains(&Outcome::Pass) && !results.contains(&Outcome::Fail)
    }

    fn check_org(&self, check: &Check<'_>) -> Outcome {
        if check.role.is_none() && check.permission.is_none() {
            return Outcome::Skip;
        }
        if self.org_id().is_none_or(str::is_empty) {
            return Outcome::Fail;
        }
        if let Some(role) = &check.role {
            let held = self.org_role().filter(|r| !r.is_empty());
            if held.is_none_or(|held| strip_org_prefixes(held) != strip_org_prefixes(role)) {
                return Outcome::Fail;
            }
        }
        if let Some(permission) = &check.permission {
            let wanted = strip_org_prefixes(permission);
            let granted = self.org_permissions().is_some_and(|permissions| {
                permissions
                    .iter()
                    .any(|p| p.strip_prefix("org:") == Some(wanted))
            });
            if !granted {
                return Outcome::Fail;
            }
        }
        Outcome::Pass
    }

    fn check_billing(&self, check: &Check<'_>) -> Outcome {
        if check.feature.is_none() && check.plan.is_none() {
            return Outcome::Skip;
        }
        if let Some(feature) = &check.feature {
            if !entitled(self.features(), feature) {
                return Outcome::Fail;
            }
        }
        if let Some(plan) = &check.plan {
            if !entitled(self.plans(), plan) {
                return Outcome::Fail;
            }
        }
        Outcome::Pass
    }

    fn check_reverification(&self, check: &Check<'_>) -> Outcome {
        let Some(reverification) = &check.reverification else {
            return Outcome::Skip;
        };
        let Some([first, second]) = self.factor_verification_age() else {
            return Outcome::Fail;
        };
        let valid_age = |age: i64| age == -1 || age >= 0;
        if !valid_age(first) || !valid_age(second) {
            return Outcome::Fail;
        }
        let (level, after_minutes) = reverification.requirement();
        if after_minutes <= 0 || (first == -1 && second == -1) {
            return Outcome::Fail;
        }
        let first_fresh = first != -1 && after_minutes > first;
        let second_fresh = second != -1 && after_minutes > second;
        let pass = match level {
            FactorLevel::FirstFactor => first_fresh,
            FactorLevel::SecondFactor if second == -1 => first_fresh,
            FactorLevel::SecondFactor if first == -1 => second_fresh,
            FactorLevel::SecondFactor => second_fresh,
            FactorLevel::MultiFactor if second == -1 => first_fresh,
            FactorLevel::MultiFactor if first == -1 => false,
            FactorLevel::MultiFactor => first_fresh && second_fresh,
        };
        if pass { Outcome::Pass } else { Outcome::Fail }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    Skip,
}

/// `value` without any number of leading `org:` prefixes.
fn strip_org_prefixes(mut value: &str) -> &str {
    while let Some(rest) = value.strip_prefix("org:") {
        value = rest;
    }
    value
}

/// Whether a `fea`/`pla` claim grants `asked` (`name` or `scope:name`).
fn entitled(claim: Option<&str>, asked: &str) -> bool {
    let Some(claim) = claim.filter(|claim| !claim.is_empty()) else {
        return false;
    };
    let Ok(names) = split_by_scope(claim) else {
        return false;
    };
    // Like JavaScript's `split(':')` destructured into two: the first two parts only.
    let mut parts = asked.split(':');
    let scope = parts.next().unwrap_or_default();
    let explicit_id = parts.next();
    let id = explicit_id.filter(|id| !id.is_empty()).unwrap_or(scope);
    match explicit_id {
        None => names.org.contains(&id) || names.user.contains(&id),
        Some(_) if matches!(scope, "o" | "org" | "organization") => names.org.contains(&id),
        Some(_) if matches!(scope, "u" | "user") => names.user.contains(&id),
        Some(_) => false,
    }
}

/// What to require of a signed-in user in [`Auth::has`].
///
/// Start from one dimension and add more; every dimension given must pass:
///
/// ```
/// use clerk_auth::{Check, Reverification};
///
/// let check = Check::role("org:admin")
///     .and_permission("org:billing:manage")
///     .and_plan("org:pro")
///     .and_reverification(Reverification::Strict);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check<'a> {
    /// An organization role, with or without the `org:` prefix.
    pub role: Option<Cow<'a, str>>,
    /// An organization permission, with or without the `org:` prefix.
    pub permission: Option<Cow<'a, str>>,
    /// A feature, `name` or `scope:name`.
    pub feature: Option<Cow<'a, str>>,
    /// A plan, `name` or `scope:name`.
    pub plan: Option<Cow<'a, str>>,
    /// A reverification requirement.
    pub reverification: Option<Reverification>,
}

impl<'a> Check<'a> {
    /// Requires an organization role (`admin` or `org:admin`).
    pub fn role(role: impl Into<Cow<'a, str>>) -> Check<'a> {
        Check::default().and_role(role)
    }

    /// Requires an organization permission (`invoices:read` or `org:invoices:read`).
    pub fn permission(permission: impl Into<Cow<'a, str>>) -> Check<'a> {
        Check::default().and_permission(permission)
    }

    /// Requires a feature (`name`, `org:name` or `user:name`).
    pub fn feature(feature: impl Into<Cow<'a, str>>) -> Check<'a> {
        Check::default().and_feature(feature)
    }

    /// Requires a plan (`name`, `org:name` or `user:name`).
    pub fn plan(plan: impl Into<Cow<'a, str>>) -> Check<'a> {
        Check::default().and_plan(plan)
    }

    /// Requires a recent enough factor verification.
    pub fn reverification(reverification: Reverification) -> Check<'a> {
        Check::default().and_reverification(reverification)
    }

    /// Also requires an organization role.
    #[must_use]
    pub fn and_role(mut self, role: impl Into<Cow<'a, str>>) -> Check<'a> {
        self.role = Some(role.into());
        self
    }

    /// Also requires an organization permission.
    #[must_use]
    pub fn and_permission(mut self, permission: impl Into<Cow<'a, str>>) -> Check<'a> {
        self.permission = Some(permission.into());
        self
    }

    /// Also requires a feature.
    #[must_use]
    pub fn and_feature(mut self, feature: impl Into<Cow<'a, str>>) -> Check<'a> {
        self.feature = Some(feature.into());
        self
    }

    /// Also requires a plan.
    #[must_use]
    pub fn and_plan(mut self, plan: impl Into<Cow<'a, str>>) -> Check<'a> {
        self.plan = Some(plan.into());
        self
    }

    /// Also requires a recent enough factor verification.
    #[must_use]
    pub fn and_reverification(mut self, reverification: Reverification) -> Check<'a> {
        self.reverification = Some(reverification);
        self
    }
}

/// Which factors a reverification requirement concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FactorLevel {
    /// The first factor (`first_factor`).
    FirstFactor,
    /// The second factor, or the only enabled factor (`second_factor`).
    SecondFactor,
    /// Both factors, when both are enabled (`multi_factor`).
    MultiFactor,
}

/// How recently the user must have verified their factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reverification {
    /// Both factors within 10 minutes (`strict_mfa`).
    StrictMfa,
    /// The second factor within 10 minutes (`strict`).
    Strict,
    /// The second factor within 60 minutes (`moderate`).
    Moderate,
    /// The second factor within a day (`lax`).
    Lax,
    /// A custom requirement. `after_minutes` must be positive, or the check fails.
    Custom {
        /// Which factors.
        level: FactorLevel,
        /// How many minutes ago, at most (exclusive).
        after_minutes: i64,
    },
}

impl Reverification {
    /// The preset named as in Clerk (`strict_mfa`, `strict`, `moderate`, `lax`).
    pub fn preset(name: &str) -> Option<Reverification> {
        match name {
            "strict_mfa" => Some(Reverification::StrictMfa),
            "strict" => Some(Reverification::Strict),
            "moderate" => Some(Reverification::Moderate),
            "lax" => Some(Reverification::Lax),
            _ => None,
        }
    }

    /// The level and the minutes this requirement stands for.
    pub fn requirement(self) -> (FactorLevel, i64) {
        match self {
            Reverification::StrictMfa => (FactorLevel::MultiFactor, 10),
            Reverification::Strict => (FactorLevel::SecondFactor, 10),
            Reverification::Moderate => (FactorLevel::SecondFactor, 60),
            Reverification::Lax => (FactorLevel::SecondFactor, 1440),
            Reverification::Custom {
                level,
                after_minutes,
            } => (level, after_minutes),
        }
    }
}

/// Why a request is signed out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedOutReason {
    /// The session token failed verification.
    Verification(ReasonKind),
    /// The session is pending (it has tasks left) and pending sessions are treated as signed
    /// out.
    SessionPending,
    /// Another reason, such as no token in the request.
    Other(Cow<'static, str>),
}

impl SignedOutReason {
    /// The reason as a string: the verification reason (`token-expired`, …), `session-pending`,
    /// or the given text.
    pub fn as_str(&self) -> &str {
        match self {
            SignedOutReason::Verification(kind) => kind.as_str(),
            SignedOutReason::SessionPending => "session-pending",
            SignedOutReason::Other(reason) => reason,
        }
    }
}

/// A signed-out request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOut {
    reason: SignedOutReason,
    message: Option<String>,
    session_status: Option<String>,
    token_type: Option<TokenType>,
}

impl SignedOut {
    /// Why the request is signed out.
    pub fn reason(&self) -> &SignedOutReason {
        &self.reason
    }

    /// The verification error's message, if there was one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// `Some("pending")` for a pending session treated as signed out.
    pub fn session_status(&self) -> Option<&str> {
        self.session_status.as_deref()
    }

    /// The kind of token the route accepted (`None` when it accepted several kinds and the
    /// request's token was of none of them).
    pub fn token_type(&self) -> Option<TokenType> {
        self.token_type
    }

    /// The same state, for a route accepting `token_type`.
    #[must_use]
    pub fn with_token_type(mut self, token_type: Option<TokenType>) -> SignedOut {
        self.token_type = token_type;
        self
    }
}

impl From<&VerifyError> for SignedOut {
    fn from(error: &VerifyError) -> SignedOut {
        SignedOut {
            reason: SignedOutReason::Verification(error.reason()),
            message: Some(error.message().to_owned()),
            session_status: None,
            token_type: Some(TokenType::SessionToken),
        }
    }
}

/// A request authenticated by a machine token.
///
/// Filled by [`machine::verify_machine_jwt`](crate::machine::verify_machine_jwt) (JWT-format
/// tokens, networkless) and, with the `remote` feature, by `remote::MachineVerifier` (opaque
/// tokens, through the Backend API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineAuth {
    token_type: TokenType,
    id: String,
    subject: String,
    scopes: Vec<String>,
    claims: Option<serde_json::Value>,
    name: Option<String>,
    expiration: Option<i64>,
}

impl MachineAuth {
    /// A machine authenticated with a token of `token_type`.
    pub fn new(
        token_type: TokenType,
        id: impl Into<String>,
        subject: impl Into<String>,
        scopes: Vec<String>,
    ) -> MachineAuth {
        MachineAuth {
            token_type,
            id: id.into(),
            subject: subject.into(),
            scopes,
            claims: None,
            name: None,
            expiration: None,
        }
    }

    /// The same, with the token's custom claims.
    #[must_use]
    pub fn with_claims(mut self, claims: Option<serde_json::Value>) -> MachineAuth {
        self.claims = claims;
        self
    }

    /// The same, with the token's name (API keys).
    #[must_use]
    pub fn with_name(mut self, name: Option<String>) -> MachineAuth {
        self.name = name;
        self
    }

    /// The same, with the token's expiry, in Unix seconds.
    #[must_use]
    pub fn with_expiration(mut self, expiration: Option<i64>) -> MachineAuth {
        self.expiration = expiration;
        self
    }

    /// The token's custom claims: the `claims` the Backend API returned for an opaque token, or
    /// for a JWT every claim except `iss`, `sub`, `exp`, `nbf`, `iat` and `jti`.
    pub fn claims(&self) -> Option<&serde_json::Value> {
        self.claims.as_ref()
    }

    /// The token's name (API keys).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// When the token expires, in Unix seconds (`None`: it does not expire, or it is unknown).
    pub fn expiration(&self) -> Option<i64> {
        self.expiration
    }

    /// The user the token acts for: the subject when it is a user id (`user_…`).
    pub fn user_id(&self) -> Option<&str> {
        Some(self.subject.as_str()).filter(|s| s.starts_with("user_"))
    }

    /// The organization the token acts for: the subject when it is an organization id
    /// (`org_…`).
    pub fn org_id(&self) -> Option<&str> {
        Some(self.subject.as_str()).filter(|s| s.starts_with("org_"))
    }

    /// The machine the token was issued to: the subject when it is a machine id (`mch_…`).
    pub fn machine_id(&self) -> Option<&str> {
        Some(self.subject.as_str()).filter(|s| s.starts_with("mch_"))
    }

    /// The kind of machine token.
    pub fn token_type(&self) -> TokenType {
        self.token_type
    }

    /// The token's id (`ak_…`, `mt_…`, `oat_…`, or the JWT's `jti`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whom the token was issued to: a machine (`mch_…`), user (`user_…`) or organization
    /// (`org_…`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The scopes granted to the token.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}
