//! Session claims v1 and v2, and the v2 feature-permission map.

use clerk_auth::SessionClaims;
use serde_json::{Value, json};

fn parse(value: Value) -> SessionClaims {
    serde_json::from_value(value).expect("claims")
}

fn v2(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> SessionClaims {
    let mut o = json!({"id": "org_1", "rol": "admin", "slg": "acme"});
    if let Some(per) = per {
        o["per"] = json!(per);
    }
    if let Some(fpm) = fpm {
        o["fpm"] = json!(fpm);
    }
    let mut claims = json!({"sub": "user_1", "exp": 1, "v": 2, "o": o});
    if let Some(fea) = fea {
        claims["fea"] = json!(fea);
    }
    parse(claims)
}

fn perms(claims: &SessionClaims) -> Vec<String> {
    claims.org_permissions().expect("an organization")
}

#[test]
fn the_reference_example_decodes() {
    // fea o:dashboard,u:profile,o:billing,ou:shared; per read,manage,delete; fpm 3,5.
    let claims = v2(
        Some("o:dashboard,u:profile,o:billing,ou:shared"),
        Some("read,manage,delete"),
        Some("3,5"),
    );
    assert_eq!(
        perms(&claims),
        [
            "org:dashboard:read",
            "org:dashboard:manage",
            "org:billing:read",
            "org:billing:delete"
        ]
    );
}

#[test]
fn feature_permission_map_hand_computed_cases() {
    // 7 = 0b111 → all three; 0 → none; 2 = 0b010 → the second. `uo` counts as an org feature.
    let claims = v2(Some("o:x,o:y,uo:z,u:w"), Some("a,b,c"), Some("7,0,2"));
    assert_eq!(perms(&claims), ["org:x:a", "org:x:b", "org:x:c", "org:z:b"]);

    // Fewer bitmaps than features: the rest get nothing. More: the extras are ignored.
    assert_eq!(
        perms(&v2(Some("o:x,o:y"), Some("a,b"), Some("1"))),
        ["org:x:a"]
    );
    assert_eq!(
        perms(&v2(Some("o:x"), Some("a,b"), Some("2,3,3"))),
        ["org:x:b"]
    );

    // Bits beyond the permission list are ignored: 8 = 0b1000 with three permissions.
    assert!(perms(&v2(Some("o:x"), Some("a,b,c"), Some("8"))).is_empty());
    // 12 = 0b1100 → only the third of three permissions.
    assert_eq!(
        perms(&v2(Some("o:x"), Some("a,b,c"), Some("12"))),
        ["org:x:c"]
    );

    // Entries are trimmed; leading zeros are fine; non-digits grant nothing.
    assert_eq!(
        perms(&v2(Some(" o:x , o:y "), Some(" a , b "), Some(" 01 , 3x "))),
        ["org:x:a"]
    );
    assert!(perms(&v2(Some("o:x"), Some("a"), Some("-1"))).is_empty());
    assert!(perms(&v2(Some("o:x"), Some("a"), Some("0x1"))).is_empty());
    assert!(perms(&v2(Some("o:x"), Some("a"), Some(""))).is_empty());

    // Arbitrary length: 2^64 + 1 and 2^70 + 2 (far beyond any float) decode exactly.
    assert_eq!(
        perms(&v2(
            Some("o:x"),
            Some("a,b,c"),
            Some("18446744073709551617")
        )),
        ["org:x:a"]
    );
    assert_eq!(
        perms(&v2(
            Some("o:x"),
            Some("a,b,c"),
            Some("1180591620717411303426")
        )),
        ["org:x:b"]
    );
    // 130 permissions, bit 129 set (2^129 = 680564733841876926926749214863536422912).
    let many: Vec<String> = (0..130).map(|i| format!("p{i}")).collect();
    assert_eq!(
        perms(&v2(
            Some("o:x"),
            Some(&many.join(",")),
            Some("680564733841876926926749214863536422912")
        )),
        ["org:x:p129"]
    );

    // Empty permission names are kept as the reference keeps them.
    assert_eq!(
        perms(&v2(Some("o:x"), Some("a,,c"), Some("7"))),
        ["org:x:a", "org:x:", "org:x:c"]
    );
}

#[test]
fn missing_pieces_give_an_empty_list() {
    assert!(perms(&v2(Some("o:x"), None, Some("1"))).is_empty());
    assert!(perms(&v2(Some("o:x"), Some("a"), None)).is_empty());
    assert!(perms(&v2(Some("o:x"), Some(""), Some("1"))).is_empty());
    assert!(perms(&v2(None, Some("a"), Some("1"))).is_empty());
    assert!(
        perms(&v2(Some("u:x"), Some("a"), Some("1"))).is_empty(),
        "user features only"
    );
    // A fea entry without a scope makes the reference throw; here it grants nothing.
    assert!(perms(&v2(Some("o:x,broken"), Some("a"), Some("1"))).is_empty());
    assert!(perms(&v2(Some("o:x,"), Some("a"), Some("1"))).is_empty());
}

#[test]
fn v2_organization_claims() {
    let claims = v2(Some("o:x"), Some("a"), Some("1"));
    assert!(claims.is_v2());
    assert_eq!(claims.org_id(), Some("org_1"));
    assert_eq!(claims.org_slug(), Some("acme"));
    assert_eq!(claims.org_role().as_deref(), Some("org:admin"));

    // No `o`: no organization at all.
    let personal = parse(json!({"sub": "user_1", "exp": 1, "v": 2, "fea": "u:x"}));
    assert_eq!(personal.org_id(), None);
    assert_eq!(personal.org_role(), None);
    assert_eq!(personal.org_permissions(), None);

    // Empty role: no role.
    let no_role = parse(json!({"sub": "u", "exp": 1, "v": 2, "o": {"id": "org_1", "rol": ""}}));
    assert_eq!(no_role.org_role(), None);
    assert_eq!(no_role.org_permissions(), Some(vec![]));

    // v2 ignores the v1 members.
    let mixed =
        parse(json!({"sub": "u", "exp": 1, "v": 2, "org_id": "org_v1", "o": {"id": "org_v2"}}));
    assert_eq!(mixed.org_id(), Some("org_v2"));
}

#[test]
fn v1_organization_claims() {
    let claims = parse(json!({
        "sub": "user_1", "exp": 1, "org_id": "org_1", "org_role": "org:admin", "org_slug": "acme",
        "org_permissions": ["org:a:read", "org:b:manage"],
        "o": {"id": "org_ignored"}
    }));
    assert!(!claims.is_v2());
    assert_eq!(claims.org_id(), Some("org_1"));
    assert_eq!(claims.org_role().as_deref(), Some("org:admin"));
    assert_eq!(claims.org_slug(), Some("acme"));
    assert_eq!(
        claims.org_permissions(),
        Some(vec!["org:a:read".to_owned(), "org:b:manage".to_owned()])
    );
    // Any `v` but the number 2 is version 1.
    for v in [json!(1), json!("2"), json!(3), json!(2.5), json!(null)] {
        let claims = parse(json!({"sub": "u", "exp": 1, "v": v, "org_id": "org_1"}));
        assert!(!claims.is_v2(), "{v}");
        assert_eq!(claims.org_id(), Some("org_1"));
    }
    let empty = parse(json!({"sub": "u", "exp": 1}));
    assert_eq!(
        (empty.org_id(), empty.org_role(), empty.org_permissions()),
        (None, None, None)
    );
}

#[test]
fn every_member_is_optional_but_sub_and_exp() {
    let minimal = parse(json!({"sub": "user_1", "exp": 1}));
    assert_eq!(minimal.sid, None);
    assert_eq!(minimal.fva, None);
    assert!(minimal.extra.is_empty());
    assert!(serde_json::from_value::<SessionClaims>(json!({"exp": 1})).is_err());
    assert!(serde_json::from_value::<SessionClaims>(json!({"sub": "u"})).is_err());
}

#[test]
fn actor_status_and_factor_ages() {
    let claims = parse(json!({
        "sub": "user_1", "exp": 1, "sts": "pending", "fva": [0, 12],
        "act": {"sub": "user_admin", "type": "agent", "iss": "https://dashboard"}
    }));
    assert!(claims.is_pending());
    assert_eq!(claims.session_status(), Some("pending"));
    assert_eq!(claims.factor_verification_age(), Some([0, 12]));
    let actor = claims.actor().expect("actor");
    assert_eq!(actor.sub.as_deref(), Some("user_admin"));
    assert_eq!(actor.actor_type.as_deref(), Some("agent"));
    assert_eq!(actor.extra["iss"], "https://dashboard");
}

#[test]
fn round_trips_through_json() {
    let original = json!({
        "sub": "user_1", "sid": "sess_1", "exp": 100, "nbf": 90, "iat": 90, "v": 2, "azp": "https://a",
        "o": {"id": "org_1", "rol": "admin", "per": "a", "fpm": "1"}, "fea": "o:x", "pla": "u:free",
        "fva": [1, -1], "sts": "active", "custom": {"nested": [1, 2]}, "aud": ["x"]
    });
    let claims = parse(original.clone());
    assert_eq!(serde_json::to_value(&claims).expect("json"), original);
}
