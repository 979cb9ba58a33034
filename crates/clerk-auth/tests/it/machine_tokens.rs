//! Machine tokens: detection, `AcceptsToken`, networkless JWT-format M2M/OAuth verification, and
//! (feature `remote`) `MachineVerifier` over in-memory Backend API fakes: what it asks, how it
//! reads the answers, and its error mapping.

use crate::support::sign;

use clerk_auth::clock::ManualClock;
use clerk_auth::machine::{AcceptsToken, MachineErrorCode, TokenKind, detect, verify_machine_jwt};
use clerk_auth::{PublicKey, ReasonKind, TokenType, VerifyOptions};
use serde_json::{Value, json};

const RSA2048_SPKI: &str = include_str!("../fixtures/rsa2048.spki.pem");
const NOW: i64 = 1_700_000_000;
const KID: &str = "ins_test_2048";
const M2M_CATEGORY: &str = "cl_B7d4PD333AAA";

fn m2m_jwt(extra: Value) -> String {
    let mut payload = json!({
        "iss": "https://clerk.example.com", "sub": "mch_2abc", "jti": "mt_jwt_1",
        "exp": NOW + 600, "iat": NOW - 5, "nbf": NOW - 5,
        "scopes": "mch_peer1 mch_peer2", "aud": ["mch_peer1"], "tenant": "acme"
    });
    for (k, v) in extra.as_object().unwrap() {
        payload[k] = v.clone();
    }
    sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": KID, "cat": M2M_CATEGORY}),
        &payload,
    )
}

fn oauth_jwt(typ: &str, payload: Value) -> String {
    sign(&json!({"alg": "RS256", "typ": typ, "kid": KID}), &payload)
}

fn oauth_payload() -> Value {
    json!({
        "sub": "user_42", "jti": "oat_jwt_1", "client_id": "client_7",
        "exp": NOW + 600, "iat": NOW - 5, "scp": ["read", "write"], "aud": ["api.example.com"]
    })
}

fn session_jwt() -> String {
    sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": KID}),
        &json!({"sub": "user_1", "sid": "sess_1", "exp": NOW + 600}),
    )
}

fn key() -> PublicKey {
    PublicKey::from_pem(RSA2048_SPKI).unwrap().with_kid(KID)
}

fn options() -> VerifyOptions {
    VerifyOptions::new().clock(ManualClock::at_unix(NOW))
}

#[test]
fn detection_table() {
    let oauth = oauth_jwt("at+jwt", oauth_payload());
    let oauth_long = oauth_jwt("application/at+jwt", oauth_payload());
    let cases: Vec<(String, Option<TokenKind>, Option<TokenType>)> = vec![
        (
            "mt_0123abcd".into(),
            Some(TokenKind::M2mOpaque),
            Some(TokenType::M2mToken),
        ),
        (
            "ak_0123abcd".into(),
            Some(TokenKind::ApiKey),
            Some(TokenType::ApiKey),
        ),
        (
            "oat_0123abcd".into(),
            Some(TokenKind::OAuthOpaque),
            Some(TokenType::OAuthToken),
        ),
        (
            m2m_jwt(json!({})),
            Some(TokenKind::M2mJwt),
            Some(TokenType::M2mToken),
        ),
        (
            oauth,
            Some(TokenKind::OAuthJwt),
            Some(TokenType::OAuthToken),
        ),
        (
            oauth_long,
            Some(TokenKind::OAuthJwt),
            Some(TokenType::OAuthToken),
        ),
        (
            session_jwt(),
            Some(TokenKind::SessionJwt),
            Some(TokenType::SessionToken),
        ),
        // JWT-shaped but undecodable: a (bad) session token, for the session verifier to explain.
        (
            "aaa.bbb.ccc".into(),
            Some(TokenKind::SessionJwt),
            Some(TokenType::SessionToken),
        ),
        ("".into(), None, None),
        ("sk_test_123".into(), None, None),
        ("a.b".into(), None, None),
        ("a.b.c.d".into(), None, None),
        ("a+b.c.d".into(), None, None),
        ("MT_upper".into(), None, None),
    ];
    for (token, kind, token_type) in cases {
        assert_eq!(detect(&token), kind, "{token}");
        assert_eq!(
            detect(&token).map(TokenKind::token_type),
            token_type,
            "{token}"
        );
    }
    // `sub` starting with mch_ wins over an OAuth typ.
    let both = oauth_jwt("at+jwt", json!({"sub": "mch_1", "exp": NOW + 1}));
    assert_eq!(detect(&both), Some(TokenKind::M2mJwt));
    assert!(TokenKind::OAuthJwt.is_jwt() && !TokenKind::ApiKey.is_jwt());
}

#[test]
fn accepts_token_one_list_or_any() {
    let any = AcceptsToken::default();
    assert_eq!(any, AcceptsToken::Any);
    assert!(any.accepts(TokenType::SessionToken) && any.accepts(TokenType::ApiKey));

    let one = AcceptsToken::from(TokenType::M2mToken);
    assert!(one.accepts(TokenType::M2mToken));
    assert!(!one.accepts(TokenType::ApiKey));
    assert!(one.accepts_machine_tokens());

    let list = AcceptsToken::from([TokenType::ApiKey, TokenType::OAuthToken]);
    assert!(list.accepts(TokenType::OAuthToken));
    assert!(!list.accepts(TokenType::SessionToken));

    let sessions = AcceptsToken::from(vec![TokenType::SessionToken]);
    assert!(!sessions.accepts_machine_tokens());
    assert!(!AcceptsToken::List(Vec::new()).accepts(TokenType::ApiKey));
}

#[test]
fn m2m_jwts_verify_networklessly() {
    let machine = verify_machine_jwt(&m2m_jwt(json!({})), &key(), &options()).unwrap();
    assert_eq!(machine.token_type(), TokenType::M2mToken);
    assert_eq!(machine.id(), "mt_jwt_1");
    assert_eq!(machine.subject(), "mch_2abc");
    assert_eq!(machine.machine_id(), Some("mch_2abc"));
    assert_eq!(machine.scopes(), ["mch_peer1", "mch_peer2"]);
    assert_eq!(machine.expiration(), Some(NOW + 600));
    let claims = machine.claims().unwrap();
    assert_eq!(claims["tenant"], "acme");
    assert_eq!(
        claims["aud"],
        json!(["mch_peer1"]),
        "aud and scopes stay in claims"
    );
    for registered in ["iss", "sub", "exp", "nbf", "iat", "jti"] {
        assert!(claims.get(registered).is_none(), "{registered}");
    }

    // Without `scopes`, the audience is the scopes.
    let no_scopes = m2m_jwt(json!({"scopes": null}));
    let machine = verify_machine_jwt(&no_scopes, &key(), &options()).unwrap();
    assert_eq!(machine.scopes(), ["mch_peer1"]);

    // The authorized-party check does not apply to machine tokens; the audience check does.
    let strict = options().authorized_parties(["https://app.example.com"]);
    assert!(verify_machine_jwt(&m2m_jwt(json!({})), &key(), &strict).is_ok());
    let wrong_aud = options().audience(["mch_other"]);
    let err = verify_machine_jwt(&m2m_jwt(json!({})), &key(), &wrong_aud).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    assert_eq!(
        err.verify_error().map(|e| e.reason()),
        Some(ReasonKind::TokenInvalidAudience)
    );
}

#[test]
fn m2m_jwt_failures_are_token_verification_failed() {
    let expired = m2m_jwt(json!({"exp": NOW - 3600}));
    let err = verify_machine_jwt(&expired, &key(), &options()).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    assert_eq!(err.token_type(), Some(TokenType::M2mToken));
    assert_eq!(
        err.verify_error().map(|e| e.reason()),
        Some(ReasonKind::TokenExpired)
    );
    assert!(
        err.to_string()
            .ends_with("(code=token-verification-failed, status=n/a)")
    );

    let session_category = sign(
        &json!({"alg": "RS256", "kid": KID, "cat": "cl_B7d4PD111AAA"}),
        &json!({"sub": "mch_1", "exp": NOW + 60}),
    );
    let err = verify_machine_jwt(&session_category, &key(), &options()).unwrap_err();
    assert_eq!(
        err.verify_error().map(|e| e.reason()),
        Some(ReasonKind::TokenInvalidCategory)
    );
    assert_eq!(err.message(), "Invalid M2M JWT category.");

    let wrong_kid = m2m_jwt(json!({}));
    let other_key = PublicKey::from_pem(RSA2048_SPKI)
        .unwrap()
        .with_kid("ins_other");
    let err = verify_machine_jwt(&wrong_kid, &other_key, &options()).unwrap_err();
    assert_eq!(
        err.verify_error().map(|e| e.reason()),
        Some(ReasonKind::JwkKidMismatch)
    );

    // An M2M JWT is not a session token.
    let err = clerk_auth::verify_token(&m2m_jwt(json!({})), &key(), &options()).unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenInvalidCategory);
}

#[test]
fn oauth_jwts_verify_networklessly() {
    let token = oauth_jwt("at+jwt", oauth_payload());
    let machine = verify_machine_jwt(&token, &key(), &options()).unwrap();
    assert_eq!(machine.token_type(), TokenType::OAuthToken);
    assert_eq!(machine.id(), "oat_jwt_1");
    assert_eq!(machine.user_id(), Some("user_42"));
    assert_eq!(machine.scopes(), ["read", "write"]);
    assert_eq!(machine.claims().unwrap()["client_id"], "client_7");

    let mut payload = oauth_payload();
    payload["scp"] = Value::Null;
    payload["scope"] = json!("profile  email");
    let machine = verify_machine_jwt(
        &oauth_jwt("application/at+jwt", payload),
        &key(),
        &options(),
    )
    .unwrap();
    assert_eq!(machine.scopes(), ["profile", "email"]);

    // OAuth audience rule.
    let ok = options().audience(["api.example.com", "other"]);
    assert!(verify_machine_jwt(&token, &key(), &ok).is_ok());
    let mismatch = options().audience(["elsewhere"]);
    let err = verify_machine_jwt(&token, &key(), &mismatch).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    assert!(err.message().contains("OAuth audience mismatch"), "{err}");
    let mut no_aud = oauth_payload();
    no_aud["aud"] = json!([]);
    let err = verify_machine_jwt(&oauth_jwt("at+jwt", no_aud), &key(), &ok).unwrap_err();
    assert!(
        err.message().contains("Invalid OAuth audience claim"),
        "{err}"
    );
}

#[test]
fn undecodable_machine_jwts_are_token_invalid() {
    // The reference's decode step reports these as `token-invalid` before any key is used.
    let good = m2m_jwt(json!({}));
    let (signing_input, signature) = good.rsplit_once('.').unwrap();
    let mut last = signature.chars().last().unwrap();
    // Flip the unused low bits of the last base64url character: non-canonical trailing bits.
    last = match last {
        'A' => 'B',
        c => char::from_u32(u32::from(c) ^ 1).unwrap(),
    };
    let non_canonical = format!(
        "{signing_input}.{}{last}",
        &signature[..signature.len() - 1]
    );
    let err = verify_machine_jwt(&non_canonical, &key(), &options()).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenInvalid, "{err}");
    assert_eq!(
        err.verify_error().map(|e| e.reason()),
        Some(ReasonKind::TokenMalformed)
    );
    // A session-category M2M JWT is `token-invalid` too ("Invalid M2M JWT category.").
    let session_category = sign(
        &json!({"alg": "RS256", "kid": KID, "cat": "cl_B7d4PD111AAA"}),
        &json!({"sub": "mch_1", "exp": NOW + 60}),
    );
    let err = verify_machine_jwt(&session_category, &key(), &options()).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenInvalid);
    // A JWT-shaped token whose header is an array is malformed, not a session JWT.
    let array_header = format!(
        "{}.{}.c2ln",
        crate::support::b64(br#"["RS256","at+jwt"]"#),
        crate::support::b64(br#"{"sub":"user_1"}"#)
    );
    let err = verify_machine_jwt(&array_header, &key(), &options()).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenInvalid, "{err}");
}

#[test]
fn non_machine_tokens_are_rejected() {
    let err = verify_machine_jwt(&session_jwt(), &key(), &options()).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
    assert_eq!(
        err.message(),
        "Invalid JWT type: JWT. Expected one of: at+jwt, application/at+jwt for OAuth, or sub \
         starting with 'mch_' for M2M"
    );
    assert_eq!(err.token_type(), Some(TokenType::OAuthToken));
    let err = verify_machine_jwt("mt_opaque", &key(), &options()).unwrap_err();
    assert_eq!(err.code(), MachineErrorCode::TokenInvalid);
    assert_eq!(err.message(), "Unknown machine token type");
}

/// A verifier for `api` with the networkless key and no audience.
#[cfg(feature = "remote")]
fn verifier_without_audience(
    api: &crate::support::backend::FakeMachineApi,
) -> clerk_auth::remote::MachineVerifier {
    clerk_auth::remote::MachineVerifier::new(
        api.clone(),
        clerk_auth::remote::StaticKeys::from(key()),
    )
    .options(options())
}

/// `remote::MachineVerifier` over an in-memory `MachineTokenApi` and `JwksFetcher`: what it asks
/// the Backend API, how it reads the answers and maps the failures. (The requests the `clerk`
/// crate's client sends for these calls are tested there.)
#[cfg(feature = "remote")]
mod remote {
    use super::*;
    use crate::support::backend::{
        FakeJwks, FakeMachineApi, api_error, bare_status, decode_error, jwk_set, network_error,
    };
    use clerk_auth::Auth;
    use clerk_auth::remote::{JwksCache, MachineVerifier, StaticKeys};

    fn jwks() -> FakeJwks {
        FakeJwks::serving(jwk_set(RSA2048_SPKI, KID))
    }

    /// A verifier asking `api` about opaque tokens and `jwks` for keys.
    fn verifier_with(api: &FakeMachineApi, jwks: &FakeJwks) -> MachineVerifier {
        MachineVerifier::new(api.clone(), JwksCache::new(jwks.clone())).options(options())
    }

    fn verifier(api: &FakeMachineApi) -> MachineVerifier {
        verifier_with(api, &jwks())
    }

    fn m2m_response() -> Value {
        json!({
            "object": "machine_to_machine_token", "id": "mt_0123", "subject": "mch_2abc",
            "claims": {"tier": "gold"}, "scopes": ["mch_peer1"], "revoked": false,
            "revocation_reason": null, "expired": false, "expiration": 1_700_000_600_000_i64,
            "last_used_at": null, "created_at": 1_700_000_000_000_i64,
            "updated_at": 1_700_000_000_000_i64
        })
    }

    fn api_key_response() -> Value {
        json!({
            "object": "api_key", "id": "ak_0123", "type": "api_key",
            "subject": "org_9", "name": "CI_KEY", "description": null,
            "claims": null, "scopes": ["read"], "revoked": false,
            "revocation_reason": null, "expired": false, "expiration": null,
            "created_by": null, "last_used_at": null, "created_at": 1, "updated_at": 1
        })
    }

    fn oauth_response(aud: Option<Value>) -> Value {
        let mut body = json!({
            "object": "clerk_idp_oauth_access_token", "id": "oat_0123",
            "client_id": "client_7", "subject": "user_42", "scopes": ["profile"],
            "revoked": false, "revocation_reason": null, "expired": false,
            "expiration": 1_700_000_600_000_i64, "created_at": 1, "updated_at": 1
        });
        if let Some(aud) = aud {
            body["aud"] = aud;
        }
        body
    }

    #[tokio::test]
    async fn m2m_tokens_are_verified_through_the_verify_api() {
        let api = FakeMachineApi::new().respond(TokenKind::M2mOpaque, m2m_response());
        let keys = jwks();
        let machine = verifier_with(&api, &keys).verify("mt_0123").await.unwrap();
        assert_eq!(machine.token_type(), TokenType::M2mToken);
        assert_eq!(machine.id(), "mt_0123");
        assert_eq!(machine.subject(), "mch_2abc");
        assert_eq!(machine.machine_id(), Some("mch_2abc"));
        assert_eq!(machine.scopes(), ["mch_peer1"]);
        assert_eq!(machine.claims(), Some(&json!({"tier": "gold"})));
        // Milliseconds in the answer, seconds on the machine.
        assert_eq!(machine.expiration(), Some(1_700_000_600));
        assert_eq!(api.calls(), [(TokenKind::M2mOpaque, "mt_0123".to_owned())]);
        assert_eq!(keys.calls(), 0, "opaque tokens need no keys");
    }

    #[tokio::test]
    async fn api_keys_are_verified_through_the_verify_api() {
        let api = FakeMachineApi::new().respond(TokenKind::ApiKey, api_key_response());
        let auth = verifier(&api).authenticate("ak_0123").await.unwrap();
        let Auth::Machine(machine) = &auth else {
            panic!("{auth:?}")
        };
        assert_eq!(auth.token_type(), Some(TokenType::ApiKey));
        assert!(auth.is_authenticated() && !auth.is_signed_in());
        assert_eq!(machine.id(), "ak_0123");
        assert_eq!(machine.name(), Some("CI_KEY"));
        assert_eq!(machine.org_id(), Some("org_9"));
        assert_eq!(machine.scopes(), ["read"]);
        assert_eq!(machine.claims(), None, "null claims are no claims");
        assert_eq!(machine.expiration(), None);
        assert_eq!(api.calls(), [(TokenKind::ApiKey, "ak_0123".to_owned())]);
    }

    #[tokio::test]
    async fn oauth_tokens_are_verified_through_the_verify_api() {
        let api = FakeMachineApi::new().respond(TokenKind::OAuthOpaque, oauth_response(None));
        let machine = verifier(&api).verify("oat_0123").await.unwrap();
        assert_eq!(machine.token_type(), TokenType::OAuthToken);
        assert_eq!(machine.id(), "oat_0123");
        assert_eq!(machine.user_id(), Some("user_42"));
        assert_eq!(machine.scopes(), ["profile"]);
        // The client id joins the claims.
        assert_eq!(machine.claims(), Some(&json!({"client_id": "client_7"})));
        assert_eq!(machine.expiration(), Some(1_700_000_600));
        assert_eq!(
            api.calls(),
            [(TokenKind::OAuthOpaque, "oat_0123".to_owned())]
        );
    }

    #[tokio::test]
    async fn backend_api_errors_map_to_machine_error_codes() {
        let cases = [
            (
                "mt_x",
                TokenKind::M2mOpaque,
                api_error(401, Some("clerk_key_invalid"), "Invalid key"),
                MachineErrorCode::SecretKeyInvalid,
                "Invalid key",
                Some(401),
            ),
            (
                "ak_x",
                TokenKind::ApiKey,
                bare_status(401),
                MachineErrorCode::SecretKeyInvalid,
                "Invalid secret key",
                Some(401),
            ),
            (
                "mt_x",
                TokenKind::M2mOpaque,
                bare_status(404),
                MachineErrorCode::TokenInvalid,
                "Machine token not found",
                Some(404),
            ),
            (
                "ak_x",
                TokenKind::ApiKey,
                api_error(404, Some("resource_not_found"), "not found"),
                MachineErrorCode::TokenInvalid,
                "API key not found",
                Some(404),
            ),
            (
                "oat_x",
                TokenKind::OAuthOpaque,
                bare_status(404),
                MachineErrorCode::TokenInvalid,
                "OAuth token not found",
                Some(404),
            ),
            (
                "ak_x",
                TokenKind::ApiKey,
                bare_status(500),
                MachineErrorCode::UnexpectedError,
                "Unexpected error",
                Some(500),
            ),
            (
                "mt_x",
                TokenKind::M2mOpaque,
                network_error(),
                MachineErrorCode::UnexpectedError,
                "Unexpected error",
                None,
            ),
            (
                "oat_x",
                TokenKind::OAuthOpaque,
                decode_error(),
                MachineErrorCode::UnexpectedError,
                "Unexpected error",
                Some(200),
            ),
        ];
        for (token, kind, error, code, message, status) in cases {
            let api = FakeMachineApi::new().fail(kind, error.clone());
            let err = verifier(&api).verify(token).await.unwrap_err();
            assert_eq!(err.code(), code, "{token} {error}");
            assert_eq!(err.status(), status, "{token} {error}");
            assert_eq!(err.token_type(), Some(kind.token_type()), "{token}");
            assert!(err.message().starts_with(message), "{err}");
            assert!(err.verify_error().is_none(), "{err}");
            assert_eq!(api.calls(), [(kind, token.to_owned())]);
        }
    }

    #[tokio::test]
    async fn revoked_expired_or_inactive_tokens_are_invalid() {
        let mut revoked = m2m_response();
        revoked["revoked"] = json!(true);
        let mut expired = api_key_response();
        expired["expired"] = json!(true);
        let cases = [
            (
                "mt_r",
                TokenKind::M2mOpaque,
                revoked,
                "The token has been revoked.",
            ),
            ("ak_e", TokenKind::ApiKey, expired, "The token has expired."),
            (
                "oat_i",
                TokenKind::OAuthOpaque,
                json!({"active": false}),
                "The token is not active.",
            ),
        ];
        for (token, kind, body, message) in cases {
            let api = FakeMachineApi::new().respond(kind, body);
            // With or without an audience to check.
            let audience = options().audience(["https://api.example.com"]);
            for verifier in [verifier(&api), verifier(&api).options(audience)] {
                let err = verifier.verify(token).await.unwrap_err();
                assert_eq!(err.code(), MachineErrorCode::TokenInvalid, "{token}");
                assert_eq!(err.message(), message, "{token}");
                assert_eq!(err.status(), Some(200), "{token}");
                assert_eq!(err.token_type(), Some(kind.token_type()), "{token}");
            }
        }
    }

    #[tokio::test]
    async fn answers_without_an_id_or_subject_are_unexpected() {
        for missing in ["id", "subject"] {
            let mut body = m2m_response();
            body.as_object_mut().unwrap().remove(missing);
            let api = FakeMachineApi::new().respond(TokenKind::M2mOpaque, body);
            let err = verifier(&api).verify("mt_0123").await.unwrap_err();
            assert_eq!(err.code(), MachineErrorCode::UnexpectedError, "{missing}");
            assert_eq!(err.status(), Some(200));
        }
    }

    #[tokio::test]
    async fn tokens_of_types_not_accepted_are_rejected_before_any_request() {
        let api = FakeMachineApi::new()
            .respond(TokenKind::M2mOpaque, m2m_response())
            .respond(TokenKind::OAuthOpaque, oauth_response(None));
        let keys = jwks();
        let verifier = verifier_with(&api, &keys).accepts(TokenType::ApiKey);
        for token in [
            "mt_0123".to_owned(),
            "oat_0123".to_owned(),
            m2m_jwt(json!({})),
        ] {
            let err = verifier.verify(&token).await.unwrap_err();
            assert_eq!(
                err.code(),
                MachineErrorCode::TokenTypeNotAccepted,
                "{token}"
            );
            assert!(err.message().contains("accepted: api_key"), "{err}");
        }
        let list = verifier
            .clone()
            .accepts([TokenType::OAuthToken, TokenType::ApiKey]);
        let err = list.verify("mt_0123").await.unwrap_err();
        assert_eq!(err.code(), MachineErrorCode::TokenTypeNotAccepted);
        // Session tokens and garbage are no machine tokens.
        let err = verifier.verify(&session_jwt()).await.unwrap_err();
        assert_eq!(err.code(), MachineErrorCode::TokenTypeNotAccepted);
        let any_type = verifier.clone().accepts(AcceptsToken::Any);
        let err = any_type.verify(&session_jwt()).await.unwrap_err();
        assert_eq!(err.code(), MachineErrorCode::TokenInvalid);
        let err = any_type.verify("garbage").await.unwrap_err();
        assert_eq!(err.message(), "Unknown machine token type");
        assert!(api.calls().is_empty(), "{:?}", api.calls());
        assert_eq!(keys.calls(), 0);
    }

    #[tokio::test]
    async fn jwt_machine_tokens_use_the_jwks_not_the_verify_endpoints() {
        let api = FakeMachineApi::new();
        let keys = jwks();
        let verifier = verifier_with(&api, &keys);
        let machine = verifier.verify(&m2m_jwt(json!({}))).await.unwrap();
        assert_eq!(machine.subject(), "mch_2abc");
        let machine = verifier
            .verify(&oauth_jwt("at+jwt", oauth_payload()))
            .await
            .unwrap();
        assert_eq!(machine.subject(), "user_42");
        assert_eq!(keys.calls(), 1);
        assert!(api.calls().is_empty(), "{:?}", api.calls());

        // A shared cache, or the networkless PEM key.
        let shared_keys = jwks();
        let shared = JwksCache::new(shared_keys.clone());
        let with_cache = verifier.clone().with_keys(shared.clone());
        assert!(with_cache.verify(&m2m_jwt(json!({}))).await.is_ok());
        assert!(shared.keys(Some(KID)).await.is_ok());
        assert_eq!(shared_keys.calls(), 1, "the cache is shared");
        let networkless = verifier.clone().with_keys(StaticKeys::from(key()));
        assert!(networkless.verify(&m2m_jwt(json!({}))).await.is_ok());
        let expired = networkless
            .verify(&m2m_jwt(json!({"exp": NOW - 60})))
            .await
            .unwrap_err();
        assert_eq!(expired.code(), MachineErrorCode::TokenVerificationFailed);
        assert!(api.calls().is_empty());

        // Keys that cannot be loaded fail the token with the loading error.
        let rejected = FakeJwks::failing(bare_status(401));
        let err = verifier
            .with_keys(JwksCache::new(rejected))
            .verify(&m2m_jwt(json!({})))
            .await
            .unwrap_err();
        assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
        assert_eq!(err.token_type(), Some(TokenType::M2mToken));
        assert_eq!(
            err.verify_error().map(|e| e.reason()),
            Some(ReasonKind::SecretKeyInvalid)
        );
    }

    #[tokio::test]
    async fn opaque_oauth_tokens_are_checked_against_the_configured_audience() {
        let audience = options().audience(["https://api.example.com"]);
        let cases = [
            // A missing audience is refused when one is required (the OAuth rule).
            (None, false),
            (Some(json!("https://other.example.com")), false),
            (Some(json!([])), false),
            (Some(json!("")), false),
            (Some(json!(["https://other.example.com", ""])), false),
            (Some(json!("https://api.example.com")), true),
            (
                Some(json!([
                    "https://other.example.com",
                    "https://api.example.com"
                ])),
                true,
            ),
        ];
        for (aud, accepted) in cases {
            let api =
                FakeMachineApi::new().respond(TokenKind::OAuthOpaque, oauth_response(aud.clone()));
            let verifier = verifier(&api).options(audience.clone());
            let result = verifier.verify("oat_0123").await;
            match (accepted, result) {
                (true, Ok(machine)) => assert_eq!(machine.subject(), "user_42"),
                (false, Err(err)) => {
                    assert_eq!(
                        err.code(),
                        MachineErrorCode::TokenVerificationFailed,
                        "{aud:?}"
                    );
                    assert_eq!(err.token_type(), Some(TokenType::OAuthToken));
                    assert_eq!(err.status(), Some(200));
                }
                (accepted, result) => panic!("aud {aud:?}: expected {accepted}, got {result:?}"),
            }
            // Without an audience configured, nothing is checked.
            assert!(
                verifier_without_audience(&api)
                    .verify("oat_0123")
                    .await
                    .is_ok()
            );
        }
    }

    #[tokio::test]
    async fn m2m_tokens_and_api_keys_check_an_aud_they_carry() {
        let audience = options().audience(["https://api.example.com"]);
        let cases = [
            (
                "mt_0123",
                TokenKind::M2mOpaque,
                json!({"claims": {"aud": "https://other.example.com"}}),
                false,
            ),
            (
                "mt_0123",
                TokenKind::M2mOpaque,
                json!({"aud": ["https://api.example.com"]}),
                true,
            ),
            // No aud at all: checked as a JWT's (not checked).
            ("mt_0123", TokenKind::M2mOpaque, json!({}), true),
            (
                "ak_0123",
                TokenKind::ApiKey,
                json!({"claims": {"aud": ["https://other.example.com"]}}),
                false,
            ),
            (
                "ak_0123",
                TokenKind::ApiKey,
                json!({"claims": {"aud": 7}}),
                false,
            ),
        ];
        for (token, kind, extra, accepted) in cases {
            let mut body = m2m_response();
            body["id"] = json!(token);
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let api = FakeMachineApi::new().respond(kind, body);
            let result = verifier(&api).options(audience.clone()).verify(token).await;
            assert_eq!(result.is_ok(), accepted, "{token} {extra}: {result:?}");
            if let Err(err) = result {
                assert_eq!(err.code(), MachineErrorCode::TokenVerificationFailed);
                assert_eq!(
                    err.verify_error().map(|e| e.reason()),
                    Some(ReasonKind::TokenInvalidAudience)
                );
                assert_eq!(err.token_type(), Some(kind.token_type()));
            }
            // Without an audience configured, nothing is checked.
            assert!(verifier_without_audience(&api).verify(token).await.is_ok());
        }
    }

    #[tokio::test]
    async fn invalid_machine_jwts_never_fetch_the_jwks() {
        let api = FakeMachineApi::new();
        let keys = jwks();
        let session_category = sign(
            &json!({"alg": "RS256", "kid": KID, "cat": "cl_B7d4PD111AAA"}),
            &json!({"sub": "mch_1", "exp": NOW + 60}),
        );
        let hs256 = sign(
            &json!({"alg": "HS256", "kid": KID}),
            &json!({"sub": "mch_1", "exp": NOW + 60}),
        );
        let good = m2m_jwt(json!({}));
        let bad_signature = format!("{}.{}", good.rsplit_once('.').unwrap().0, "A");
        let verifier = verifier_with(&api, &keys);
        for token in [session_category, hs256, bad_signature] {
            let err = verifier.verify(&token).await.unwrap_err();
            assert_ne!(err.code(), MachineErrorCode::UnexpectedError, "{err}");
        }
        assert_eq!(keys.calls(), 0);
        assert!(api.calls().is_empty(), "{:?}", api.calls());
    }
}
