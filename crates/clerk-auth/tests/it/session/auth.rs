//! `Auth` construction and `has()` for every dimension.

use clerk_auth::{
    Auth, Check, FactorLevel, MachineAuth, ReasonKind, Reverification, SessionClaims,
    SignedOutReason, TokenType, VerifyError,
};
use serde_json::{Value, json};

use super::common::{Signer, claims as token_claims, options, public_key};

fn auth_of(claims: Value) -> Auth {
    Auth::from_claims(serde_json::from_value::<SessionClaims>(claims).expect("claims"))
}

/// A v2 admin of org_1 with dashboard/billing permissions, org and user features, plans and fva.
fn admin() -> Auth {
    auth_of(json!({
        "sub": "user_1", "sid": "sess_1", "exp": 1, "v": 2,
        "o": {"id": "org_1", "rol": "admin", "slg": "acme", "per": "read,manage", "fpm": "3,1"},
        "fea": "o:dashboard,o:billing,u:profile,ou:shared",
        "pla": "o:pro,u:free",
        "fva": [5, 30]
    }))
}

#[test]
fn signed_in_state_from_claims() {
    let auth = admin();
    assert!(auth.is_signed_in() && auth.is_authenticated());
    assert_eq!(auth.token_type(), Some(TokenType::SessionToken));
    assert_eq!(auth.user_id(), Some("user_1"));
    assert_eq!(auth.session_id(), Some("sess_1"));
    assert_eq!(auth.org_id(), Some("org_1"));
    assert_eq!(auth.org_role(), Some("org:admin"));
    let permissions = auth.org_permissions().expect("permissions");
    assert_eq!(
        permissions,
        [
            "org:dashboard:read",
            "org:dashboard:manage",
            "org:billing:read"
        ]
    );
    let signed_in = auth.signed_in().expect("signed in");
    assert_eq!(signed_in.org_slug(), Some("acme"));
    assert_eq!(
        signed_in.features(),
        Some("o:dashboard,o:billing,u:profile,ou:shared")
    );
    assert_eq!(signed_in.plans(), Some("o:pro,u:free"));
    assert_eq!(signed_in.factor_verification_age(), Some([5, 30]));
    assert_eq!(signed_in.actor(), None);
    assert_eq!(
        auth.session_claims().map(|c| c.sub.as_str()),
        Some("user_1")
    );
}

#[test]
fn pending_sessions_are_signed_out_by_default() {
    let pending = json!({"sub": "user_1", "sid": "sess_1", "exp": 1, "sts": "pending"});
    let auth = auth_of(pending.clone());
    let Auth::SignedOut(signed_out) = &auth else {
        panic!("expected signed out, got {auth:?}")
    };
    assert_eq!(signed_out.reason(), &SignedOutReason::SessionPending);
    assert_eq!(signed_out.reason().as_str(), "session-pending");
    assert_eq!(signed_out.session_status(), Some("pending"));
    assert_eq!(auth.user_id(), None);
    assert!(!auth.is_authenticated());

    let claims: SessionClaims = serde_json::from_value(pending).expect("claims");
    let allowed = Auth::from_claims_allowing_pending(claims);
    assert_eq!(allowed.user_id(), Some("user_1"));
}

#[test]
fn verification_results_become_auth_states() {
    let token = Signer::rsa2048().token(&token_claims());
    let ok = Auth::from_verification(clerk_auth::verify_token(&token, &public_key(), &options()));
    assert!(ok.is_signed_in());

    let expired = options().clock(clerk_auth::clock::ManualClock::at_unix(i64::MAX));
    let auth: Auth = clerk_auth::verify_token(&token, &public_key(), &expired).into();
    let Auth::SignedOut(signed_out) = &auth else {
        panic!("expected signed out")
    };
    assert_eq!(
        signed_out.reason(),
        &SignedOutReason::Verification(ReasonKind::TokenExpired)
    );
    assert_eq!(signed_out.reason().as_str(), "token-expired");
    assert!(signed_out.message().is_some_and(|m| m.contains("expired")));
    assert!(!auth.has(&Check::role("admin")));

    let other = Auth::signed_out(SignedOutReason::Other(
        "session-token-and-uat-missing".into(),
    ));
    assert_eq!(other.token_type(), Some(TokenType::SessionToken));
    let from_error =
        Auth::from_verification(Err(VerifyError::new(ReasonKind::JwkKidMismatch, "x")));
    assert!(!from_error.is_authenticated());
}

#[test]
fn has_role() {
    let auth = admin();
    assert!(auth.has(&Check::role("admin")));
    assert!(auth.has(&Check::role("org:admin")));
    assert!(auth.has(&Check::role("org:org:admin")));
    assert!(!auth.has(&Check::role("member")));
    assert!(!auth.has(&Check::role("org:member")));
    assert!(!auth.has(&Check::role("")));
    assert!(!auth.has(&Check::role("ADMIN")));

    // No active organization: role and permission checks fail.
    let personal = auth_without_org();
    assert!(!personal.has(&Check::role("admin")));
    assert!(!personal.has(&Check::permission("dashboard:read")));

    // v1 roles are compared the same way.
    let v1 = auth_of(json!({"sub": "u", "exp": 1, "org_id": "org_1", "org_role": "org:admin"}));
    assert!(v1.has(&Check::role("admin")));
    let unprefixed = auth_of(json!({"sub": "u", "exp": 1, "org_id": "org_1", "org_role": "admin"}));
    assert!(unprefixed.has(&Check::role("org:admin")));
    // A role without an organization id fails.
    let orphan = auth_of(json!({"sub": "u", "exp": 1, "org_role": "org:admin"}));
    assert!(!orphan.has(&Check::role("admin")));
    let empty_org = auth_of(json!({"sub": "u", "exp": 1, "org_id": "", "org_role": "org:admin"}));
    assert!(!empty_org.has(&Check::role("admin")));
}

fn auth_without_org() -> Auth {
    auth_of(
        json!({"sub": "user_1", "exp": 1, "v": 2, "fea": "u:profile", "pla": "u:free", "fva": [1, 1]}),
    )
}

#[test]
fn has_permission() {
    let auth = admin();
    assert!(auth.has(&Check::permission("org:dashboard:read")));
    assert!(auth.has(&Check::permission("dashboard:manage")));
    assert!(auth.has(&Check::permission("org:billing:read")));
    assert!(!auth.has(&Check::permission("org:billing:manage")));
    assert!(
        !auth.has(&Check::permission("org:profile:read")),
        "user features grant no org permission"
    );
    assert!(!auth.has(&Check::permission("read")));
    // Role and permission together: both must hold.
    assert!(auth.has(&Check::role("admin").and_permission("dashboard:read")));
    assert!(!auth.has(&Check::role("member").and_permission("dashboard:read")));
    assert!(!auth.has(&Check::role("admin").and_permission("billing:manage")));

    // v1: the claim is matched as given (only the asked value is normalized).
    let v1 = auth_of(json!({
        "sub": "u", "exp": 1, "org_id": "org_1", "org_role": "org:member",
        "org_permissions": ["org:invoices:read", "posts:write"]
    }));
    assert!(v1.has(&Check::permission("invoices:read")));
    assert!(v1.has(&Check::permission("org:org:invoices:read")));
    assert!(!v1.has(&Check::permission("posts:write")));
    // No permission list at all.
    let none = auth_of(json!({"sub": "u", "exp": 1, "org_id": "org_1", "org_role": "org:member"}));
    assert!(!none.has(&Check::permission("invoices:read")));
    assert!(none.has(&Check::role("member")));
}

#[test]
fn has_feature() {
    let auth = admin();
    assert!(auth.has(&Check::feature("dashboard")));
    assert!(auth.has(&Check::feature("profile")));
    assert!(auth.has(&Check::feature("org:dashboard")));
    assert!(auth.has(&Check::feature("o:billing")));
    assert!(auth.has(&Check::feature("organization:billing")));
    assert!(auth.has(&Check::feature("user:profile")));
    assert!(auth.has(&Check::feature("u:profile")));
    assert!(auth.has(&Check::feature("org:shared")) && auth.has(&Check::feature("user:shared")));
    assert!(!auth.has(&Check::feature("user:dashboard")));
    assert!(!auth.has(&Check::feature("org:profile")));
    assert!(!auth.has(&Check::feature("analytics")));
    assert!(
        !auth.has(&Check::feature("team:dashboard")),
        "unknown scope fails"
    );
    assert!(!auth.has(&Check::feature("")));
    // Only the first two `:`-parts count, as in the reference's destructuring.
    assert!(auth.has(&Check::feature("org:dashboard:extra")));
    // "org:" with an empty name looks for a feature named "org".
    assert!(!auth.has(&Check::feature("org:")));

    // Missing, empty or malformed claims fail.
    let no_fea = auth_with(json!({"fea": null}));
    assert!(!no_fea.has(&Check::feature("dashboard")));
    let empty = auth_with(json!({"fea": ""}));
    assert!(!empty.has(&Check::feature("dashboard")));
    let malformed = auth_with(json!({"fea": "o:dashboard,broken"}));
    assert!(!malformed.has(&Check::feature("dashboard")));
    // Feature checks don't need an organization.
    assert!(auth_without_org().has(&Check::feature("profile")));
}

fn auth_with(changes: Value) -> Auth {
    let mut claims = json!({
        "sub": "user_1", "exp": 1, "v": 2, "o": {"id": "org_1", "rol": "admin"},
        "fea": "o:dashboard", "pla": "o:pro"
    });
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            claims.as_object_mut().expect("object").remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    auth_of(claims)
}

#[test]
fn has_plan() {
    let auth = admin();
    assert!(auth.has(&Check::plan("pro")));
    assert!(auth.has(&Check::plan("org:pro")));
    assert!(auth.has(&Check::plan("free")));
    assert!(auth.has(&Check::plan("user:free")));
    assert!(!auth.has(&Check::plan("user:pro")));
    assert!(!auth.has(&Check::plan("enterprise")));
    assert!(!auth.has(&Check::plan("x:pro")));
    assert!(!auth_with(json!({"pla": null})).has(&Check::plan("pro")));
    // Feature and plan together: both must hold.
    assert!(auth.has(&Check::feature("dashboard").and_plan("pro")));
    assert!(!auth.has(&Check::feature("dashboard").and_plan("enterprise")));
    assert!(!auth.has(&Check::feature("analytics").and_plan("pro")));
    // fea/pla are read for v1 tokens too.
    let v1 = auth_with(json!({"v": null, "pla": "u:free"}));
    assert!(v1.has(&Check::plan("free")));
}

fn with_fva(fva: Value) -> Auth {
    auth_of(json!({"sub": "user_1", "exp": 1, "fva": fva}))
}

#[test]
fn has_reverification_presets() {
    use Reverification::*;
    let cases: [(Value, Reverification, bool); 22] = [
        // second_factor presets use the second factor when both are enabled…
        (json!([5, 5]), Strict, true),
        (json!([5, 10]), Strict, false),
        (json!([5, 9]), Strict, true),
        (json!([100, 59]), Moderate, true),
        (json!([100, 60]), Moderate, false),
        (json!([0, 1439]), Lax, true),
        (json!([0, 1440]), Lax, false),
        // …the first when the second is disabled, and the second when the first is disabled.
        (json!([5, -1]), Strict, true),
        (json!([15, -1]), Strict, false),
        (json!([-1, 5]), Strict, true),
        (json!([-1, 15]), Strict, false),
        // multi_factor: both fresh, or the first alone when there is no second factor.
        (json!([5, 5]), StrictMfa, true),
        (json!([5, 15]), StrictMfa, false),
        (json!([15, 5]), StrictMfa, false),
        (json!([5, -1]), StrictMfa, true),
        (json!([-1, 5]), StrictMfa, false),
        // Nothing enabled, or invalid ages: fail.
        (json!([-1, -1]), Lax, false),
        (json!([-2, 5]), Lax, false),
        (json!([5, -7]), Lax, false),
        (json!([5]), Lax, false),
        (json!("5,5"), Lax, false),
        (json!(null), Lax, false),
    ];
    for (fva, requirement, expected) in cases {
        assert_eq!(
            with_fva(fva.clone()).has(&Check::reverification(requirement)),
            expected,
            "{fva} {requirement:?}"
        );
    }
    let no_fva = auth_of(json!({"sub": "user_1", "exp": 1}));
    assert!(!no_fva.has(&Check::reverification(Lax)));
}

#[test]
fn has_reverification_custom() {
    let custom = |level, after_minutes| Reverification::Custom {
        level,
        after_minutes,
    };
    let auth = with_fva(json!([5, 30]));
    assert!(auth.has(&Check::reverification(custom(FactorLevel::FirstFactor, 6))));
    assert!(!auth.has(&Check::reverification(custom(FactorLevel::FirstFactor, 5))));
    assert!(auth.has(&Check::reverification(custom(
        FactorLevel::SecondFactor,
        31
    ))));
    assert!(!auth.has(&Check::reverification(custom(
        FactorLevel::SecondFactor,
        30
    ))));
    assert!(auth.has(&Check::reverification(custom(FactorLevel::MultiFactor, 31))));
    assert!(!auth.has(&Check::reverification(custom(FactorLevel::MultiFactor, 10))));
    // after_minutes must be positive.
    assert!(
        !with_fva(json!([0, 0])).has(&Check::reverification(custom(FactorLevel::FirstFactor, 0)))
    );
    assert!(!auth.has(&Check::reverification(custom(FactorLevel::FirstFactor, -5))));
    // first_factor with the first factor disabled fails.
    assert!(
        !with_fva(json!([-1, 1])).has(&Check::reverification(custom(FactorLevel::FirstFactor, 60)))
    );

    assert_eq!(
        Reverification::preset("strict_mfa"),
        Some(Reverification::StrictMfa)
    );
    assert_eq!(Reverification::preset("lax"), Some(Reverification::Lax));
    assert_eq!(Reverification::preset("sometimes"), None);
    assert_eq!(
        Reverification::Moderate.requirement(),
        (FactorLevel::SecondFactor, 60)
    );
    assert_eq!(
        Reverification::StrictMfa.requirement(),
        (FactorLevel::MultiFactor, 10)
    );
}

#[test]
fn dimensions_combine_with_and() {
    let auth = admin();
    // Empty check: nothing passed, so false.
    assert!(!auth.has(&Check::default()));
    let all = Check::role("admin")
        .and_permission("dashboard:read")
        .and_feature("dashboard")
        .and_plan("pro")
        .and_reverification(Reverification::Custom {
            level: FactorLevel::SecondFactor,
            after_minutes: 31,
        });
    assert!(auth.has(&all));
    assert!(!auth.has(&all.clone().and_reverification(Reverification::Strict)));
    assert!(!auth.has(&all.clone().and_plan("enterprise")));
    assert!(!auth.has(&all.and_role("member")));
    // A passing dimension does not rescue a failing one.
    assert!(!auth.has(&Check::feature("dashboard").and_reverification(Reverification::Strict)));

    // An empty user id never passes.
    let anonymous = auth_from_sub("");
    assert!(!anonymous.has(&Check::feature("dashboard")));
    assert!(auth_from_sub("user_1").has(&Check::feature("dashboard")));
}

fn auth_from_sub(sub: &str) -> Auth {
    auth_of(json!({"sub": sub, "exp": 1, "fea": "u:dashboard"}))
}

#[test]
fn machines_and_signed_out_requests_never_pass() {
    let machine = Auth::Machine(MachineAuth::new(
        TokenType::M2mToken,
        "mt_123",
        "mch_456",
        vec!["read".to_owned()],
    ));
    assert!(machine.is_authenticated() && !machine.is_signed_in());
    assert_eq!(machine.token_type(), Some(TokenType::M2mToken));
    assert_eq!(
        machine.token_type().map(TokenType::as_str),
        Some("m2m_token")
    );
    assert_eq!(machine.user_id(), None);
    assert!(!machine.has(&Check::role("admin")));
    assert!(!machine.has(&Check::feature("dashboard")));
    let Auth::Machine(m) = &machine else {
        panic!("machine")
    };
    assert_eq!(
        (m.id(), m.subject(), m.scopes()),
        ("mt_123", "mch_456", &["read".to_owned()][..])
    );
    for (t, s) in [
        (TokenType::SessionToken, "session_token"),
        (TokenType::ApiKey, "api_key"),
        (TokenType::OAuthToken, "oauth_token"),
    ] {
        assert_eq!(t.as_str(), s);
    }

    let signed_out = Auth::signed_out(SignedOutReason::Verification(ReasonKind::TokenExpired));
    assert!(!signed_out.has(&Check::feature("dashboard")));
}
