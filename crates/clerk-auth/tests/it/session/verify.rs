//! `verify_token` / `Verifier`: every rejection reason, in the reference order.

use std::time::Duration;

use clerk_auth::{
    KeySet, PublicKey, ReasonKind, SessionClaims, Verifier, VerifyError, VerifyOptions,
    verify_token, verify_token_as,
};
use ring::hmac;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::*;

fn verify(token: &str) -> Result<SessionClaims, VerifyError> {
    verify_token(token, &public_key(), &options())
}

fn verify_opts(token: &str, options: &VerifyOptions) -> Result<SessionClaims, VerifyError> {
    verify_token(token, &public_key(), options)
}

fn reason(result: Result<SessionClaims, VerifyError>) -> ReasonKind {
    match result {
        Ok(claims) => panic!("expected a rejection, got {claims:?}"),
        Err(err) => err.reason(),
    }
}

#[test]
fn a_valid_session_token_verifies() {
    let token = Signer::rsa2048().token(&claims());
    let claims = verify(&token).expect("valid");
    assert_eq!(claims.sub, "user_2abcDEFghiJKLmnoPQRstu");
    assert_eq!(claims.sid.as_deref(), Some("sess_2abcDEFghiJKLmnoPQRstu"));
    assert_eq!(claims.azp.as_deref(), Some(AZP));
    assert_eq!(claims.exp, NOW + 60);
    assert_eq!(claims.fva, Some([3, -1]));
    assert!(claims.is_v2());

    let verifier = Verifier::with_options(public_key().with_kid(KID), options());
    assert_eq!(verifier.verify(&token).expect("valid"), claims);
}

#[test]
fn wrong_number_of_segments_is_malformed() {
    let token = Signer::rsa2048().token(&claims());
    let mut parts = token.split('.');
    let (h, p, s) = (
        parts.next().expect("h"),
        parts.next().expect("p"),
        parts.next().expect("s"),
    );
    for bad in [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}."),
        h.to_owned(),
        String::new(),
        "...".to_owned(),
    ] {
        let err = verify(&bad).expect_err("rejected");
        assert_eq!(err.reason(), ReasonKind::TokenMalformed, "{bad}");
        assert_eq!(err.reason().as_str(), "token-invalid");
    }
}

#[test]
fn oversized_tokens_are_rejected_before_decoding() {
    let big = claims_with(json!({"padding": "x".repeat(17 * 1024)}));
    let token = Signer::rsa2048().token(&big);
    assert_eq!(reason(verify(&token)), ReasonKind::TokenTooLarge);
    assert_eq!(ReasonKind::TokenTooLarge.as_str(), "token-invalid");
    // A larger limit lets it through.
    let larger = options().max_token_len(64 * 1024);
    assert!(verify_opts(&token, &larger).is_ok());
    // Anything over a tiny limit fails, even garbage.
    let tiny = options().max_token_len(10);
    assert_eq!(
        reason(verify_opts("a.b.c.d.e.f.g", &tiny)),
        ReasonKind::TokenTooLarge
    );
}

#[test]
fn bad_base64_or_json_is_malformed() {
    let signer = Signer::rsa2048();
    let token = signer.token(&claims());
    let (h, rest) = token.split_once('.').expect("dot");
    let (p, s) = rest.split_once('.').expect("dot");
    let header_json = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
    let cases = [
        format!("{h}!.{p}.{s}"),                     // invalid character
        format!("{h}.{p}.{s}*"),                     // invalid character in the signature
        format!("A{h}.{p}.{s}"),                     // dangling 6-bit group / wrong length
        format!("{}.{p}.{s}", b64(b"not json")),     // header is not JSON
        format!("{}.{p}.{s}", b64(b"[1,2]")),        // header is not an object
        format!("{}.{p}.{s}", b64(br#"{"alg":5}"#)), // alg is not a string
        format!("{}.{p}.{s}", b64(br#"{"alg":"RS256","alg":"none"}"#)), // duplicate member
        format!(".{p}.{s}"),                         // empty header
        format!("{h}.{p}.{}", s.replace('-', "+")),  // standard alphabet
        signer.sign_segments(&header_json, &b64(b"not json")), // signed, but not JSON
        signer.sign_segments(&header_json, &b64(b"[1]")), // signed, but not an object
        signer.sign_segments(&header_json, ""),      // signed, empty payload
    ];
    for bad in cases {
        assert_eq!(reason(verify(&bad)), ReasonKind::TokenMalformed, "{bad}");
    }
    // `=` padding is tolerated, as in the reference.
    let padded = format!("{h}.{p}.{s}");
    assert!(verify(&padded).is_ok());
}

#[test]
fn alg_none_hs256_and_rs512_are_refused() {
    let signer = Signer::rsa2048();
    let payload = b64(claims().to_string().as_bytes());

    // alg "none", with and without a signature.
    let none = b64(br#"{"alg":"none","typ":"JWT"}"#);
    assert_eq!(
        reason(verify(&format!("{none}.{payload}."))),
        ReasonKind::TokenInvalidAlgorithm
    );
    let signed_none = signer.sign_segments(&none, &payload);
    assert_eq!(
        reason(verify(&signed_none)),
        ReasonKind::TokenInvalidAlgorithm
    );

    // HS256 keyed with the public key PEM: the classic confusion attack.
    let hs = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
    let input = format!("{hs}.{payload}");
    let key = hmac::Key::new(hmac::HMAC_SHA256, RSA2048_SPKI.as_bytes());
    let tag = hmac::sign(&key, input.as_bytes());
    let forged = format!("{input}.{}", b64(tag.as_ref()));
    let err = verify(&forged).expect_err("HS256 refused");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidAlgorithm);
    assert_eq!(err.reason().as_str(), "token-invalid-algorithm");
    assert!(err.message().contains("\"HS256\""), "{}", err.message());

    // RS512, validly signed by the right key: still refused, the header never picks the algorithm.
    let rs512 = b64(br#"{"alg":"RS512","typ":"JWT"}"#);
    let token = signer.sign_segments_with(&ring::signature::RSA_PKCS1_SHA512, &rs512, &payload);
    assert_eq!(reason(verify(&token)), ReasonKind::TokenInvalidAlgorithm);

    for header in [
        json!({"typ": "JWT"}),
        json!({"alg": "rs256"}),
        json!({"alg": "PS256"}),
        json!({"alg": "ES256"}),
    ] {
        let token = signer.sign(&header, &claims());
        assert_eq!(
            reason(verify(&token)),
            ReasonKind::TokenInvalidAlgorithm,
            "{header}"
        );
    }
}

#[test]
fn header_type_is_checked() {
    let signer = Signer::rsa2048();
    let typ = |typ: Option<&str>| {
        let mut h = json!({"alg": "RS256"});
        if let Some(typ) = typ {
            h["typ"] = json!(typ);
        }
        signer.sign(&h, &claims())
    };
    assert!(
        verify(&typ(None)).is_ok(),
        "absent typ is accepted by default"
    );
    assert!(verify(&typ(Some("JWT"))).is_ok());
    assert_eq!(
        reason(verify(&typ(Some("at+jwt")))),
        ReasonKind::TokenInvalidType
    );
    assert_eq!(
        reason(verify(&typ(Some("jwt")))),
        ReasonKind::TokenInvalidType
    );

    let explicit = options().header_types(["JWT"]);
    assert_eq!(
        reason(verify_opts(&typ(None), &explicit)),
        ReasonKind::TokenInvalidType,
        "once set, typ is required"
    );
    let at = options().header_types(["at+jwt", "application/at+jwt"]);
    assert!(verify_opts(&typ(Some("at+jwt")), &at).is_ok());
    assert_eq!(
        reason(verify_opts(&typ(Some("JWT")), &at)),
        ReasonKind::TokenInvalidType
    );
}

#[test]
fn machine_token_category_is_rejected() {
    let signer = Signer::rsa2048();
    let with_cat = |cat: &str| {
        signer.sign(
            &json!({"alg": "RS256", "typ": "JWT", "kid": KID, "cat": cat}),
            &claims(),
        )
    };
    let err = verify(&with_cat("cl_B7d4PD333AAA")).expect_err("m2m");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidCategory);
    assert_eq!(err.reason().as_str(), "token-invalid");
    assert_eq!(err.context().kid.as_deref(), Some(KID));
    // Session, template and unknown categories pass verification, as in the reference.
    for cat in [
        "cl_B7d4PD111AAA",
        "cl_B7d4PD222AAA",
        "cl_I7d4PD111III",
        "other",
    ] {
        assert!(verify(&with_cat(cat)).is_ok(), "{cat}");
    }
}

#[test]
fn critical_header_extensions_are_rejected() {
    let token = Signer::rsa2048().sign(&json!({"alg": "RS256", "crit": ["exp"]}), &claims());
    assert_eq!(reason(verify(&token)), ReasonKind::TokenMalformed);
}

#[test]
fn tampered_payload_fails_the_signature() {
    let token = Signer::rsa2048().token(&claims());
    let (h, rest) = token.split_once('.').expect("dot");
    let (_, s) = rest.split_once('.').expect("dot");
    let forged_payload = b64(claims_with(json!({"sub": "user_admin"}))
        .to_string()
        .as_bytes());
    let forged = format!("{h}.{forged_payload}.{s}");
    let err = verify(&forged).expect_err("tampered");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidSignature);
    assert_eq!(err.reason().as_str(), "token-invalid-signature");

    // A tampered header (same alg, extra member) fails too: the signature covers the raw text.
    let forged_header = b64(br#"{"alg":"RS256","typ":"JWT","kid":"ins_test_2048","x":1}"#);
    let (_, rest) = token.split_once('.').expect("dot");
    assert_eq!(
        reason(verify(&format!("{forged_header}.{rest}"))),
        ReasonKind::TokenInvalidSignature
    );

    // Truncated, emptied and oversized signatures.
    let (signing_input, sig) = token.rsplit_once('.').expect("dot");
    // (340 characters are whole base64 groups: 255 bytes, canonical.)
    for bad_sig in [&sig[..340], "", &"A".repeat(1400)] {
        assert_eq!(
            reason(verify(&format!("{signing_input}.{bad_sig}"))),
            ReasonKind::TokenInvalidSignature
        );
    }
}

#[test]
fn signature_by_another_key_with_the_right_kid_fails() {
    let forged = Signer::new(WRONG2048_PRIVATE).token(&claims());
    let key = public_key().with_kid(KID);
    let err = verify_token(&forged, &key, &options()).expect_err("wrong key");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidSignature);
    assert_eq!(err.context().kid.as_deref(), Some(KID));
}

#[test]
fn kid_is_matched_when_the_key_has_one() {
    let signer = Signer::rsa2048();
    let with_kid = |kid: Option<&str>| {
        let mut h = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = kid {
            h["kid"] = json!(kid);
        }
        signer.sign(&h, &claims())
    };
    let keyed = public_key().with_kid("ins_a");
    assert!(verify_token(&with_kid(Some("ins_a")), &keyed, &options()).is_ok());

    let err = verify_token(&with_kid(Some("ins_b")), &keyed, &options()).expect_err("mismatch");
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(err.reason().as_str(), "jwk-kid-mismatch");
    assert_eq!(err.context().kid.as_deref(), Some("ins_b"));
    assert!(err.action().contains("Dashboard"));

    let err = verify_token(&with_kid(None), &keyed, &options()).expect_err("no kid");
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);

    // A key without kid (a plain PEM) accepts any kid, like the reference's networkless mode.
    assert!(verify(&with_kid(Some("ins_anything"))).is_ok());
    assert!(verify(&with_kid(None)).is_ok());

    // Absurd kids are cut short in the context.
    let long = "k".repeat(500);
    let err = verify_token(&with_kid(Some(&long)), &keyed, &options()).expect_err("mismatch");
    assert!(err.context().kid.as_ref().is_some_and(|k| k.len() < 100));
}

#[test]
fn key_sets_pick_the_key_by_kid() {
    let k2048 = public_key().with_kid("ins_2048");
    let k4096 = PublicKey::from_pem(RSA4096_SPKI)
        .expect("4096")
        .with_kid("ins_4096");
    let set: KeySet = [k2048, k4096].into_iter().collect();
    let sign = |signer: &Signer, kid: &str| {
        signer.sign(
            &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
            &claims(),
        )
    };
    let s2048 = Signer::rsa2048();
    let s4096 = Signer::new(RSA4096_PRIVATE);
    assert!(verify_token(&sign(&s2048, "ins_2048"), &set, &options()).is_ok());
    assert!(verify_token(&sign(&s4096, "ins_4096"), &set, &options()).is_ok());
    assert_eq!(
        verify_token(&sign(&s4096, "ins_2048"), &set, &options()).map_err(|e| e.reason()),
        Err(ReasonKind::TokenInvalidSignature)
    );
    let err = verify_token(&sign(&s2048, "ins_unknown"), &set, &options()).expect_err("unknown");
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert!(err.message().contains("ins_2048") && err.message().contains("ins_4096"));

    let empty = KeySet::new();
    let err = verify_token(&sign(&s2048, "ins_2048"), &empty, &options()).expect_err("empty");
    assert_eq!(err.reason(), ReasonKind::JwkLocalMissing);
    assert_eq!(err.reason().as_str(), "jwk-local-missing");
    assert_eq!(err.action(), "Set the CLERK_JWT_KEY environment variable.");
}

#[test]
fn expiry_honours_the_leeway_boundary() {
    let exp = NOW + 60;
    let token = Signer::rsa2048().token(&claims());
    // Default leeway 5 s: still valid 4 s after exp, expired at exactly exp + 5.
    assert!(verify_opts(&token, &options_at(exp + 4)).is_ok());
    let err = verify_opts(&token, &options_at(exp + 5)).expect_err("expired");
    assert_eq!(err.reason(), ReasonKind::TokenExpired);
    assert_eq!(err.reason().as_str(), "token-expired");
    assert!(err.action().contains("system clock"));
    let ctx = err.context();
    assert_eq!(
        (ctx.exp, ctx.now, ctx.leeway),
        (Some(exp), Some(exp + 5), Some(5))
    );
    assert_eq!(ctx.kid.as_deref(), Some(KID));
    assert!(
        err.message().contains("Tue, 14 Nov 2023 22:14:20 GMT"),
        "{}",
        err.message()
    );

    // No leeway: expired at exp itself.
    let strict = |now| options_at(now).leeway(Duration::ZERO);
    assert!(verify_opts(&token, &strict(exp - 1)).is_ok());
    assert_eq!(
        reason(verify_opts(&token, &strict(exp))),
        ReasonKind::TokenExpired
    );
    // Larger leeway, and sub-second parts ignored.
    let lax = options_at(exp + 29).leeway(Duration::from_millis(30_900));
    assert!(verify_opts(&token, &lax).is_ok());
    let lax = options_at(exp + 30).leeway(Duration::from_millis(30_900));
    assert_eq!(reason(verify_opts(&token, &lax)), ReasonKind::TokenExpired);
}

#[test]
fn not_before_and_issued_at_honour_the_leeway_boundary() {
    let signer = Signer::rsa2048();
    let nbf = signer.token(&claims_with(json!({"nbf": NOW + 5, "iat": NOW - 1})));
    assert!(verify(&nbf).is_ok());
    let nbf = signer.token(&claims_with(json!({"nbf": NOW + 6, "iat": NOW - 1})));
    let err = verify(&nbf).expect_err("not yet");
    assert_eq!(err.reason(), ReasonKind::TokenNotActiveYet);
    assert_eq!(err.reason().as_str(), "token-not-active-yet");
    assert_eq!(err.context().nbf, Some(NOW + 6));
    assert!(err.reason().is_time_related());

    let iat = signer.token(&claims_with(json!({"iat": NOW + 5, "nbf": NOW})));
    assert!(verify(&iat).is_ok());
    let iat = signer.token(&claims_with(json!({"iat": NOW + 6, "nbf": NOW})));
    let err = verify(&iat).expect_err("future iat");
    assert_eq!(err.reason(), ReasonKind::TokenIatInTheFuture);
    assert_eq!(err.reason().as_str(), "token-iat-in-the-future");
    assert_eq!(err.context().iat, Some(NOW + 6));

    // Both optional.
    assert!(verify(&signer.token(&claims_without(&["nbf", "iat"]))).is_ok());
    // nbf is checked before iat.
    let both = signer.token(&claims_with(json!({"iat": NOW + 100, "nbf": NOW + 100})));
    assert_eq!(reason(verify(&both)), ReasonKind::TokenNotActiveYet);
}

#[test]
fn time_claims_must_be_numbers() {
    let signer = Signer::rsa2048();
    let rejected = [
        (claims_without(&["exp"]), ReasonKind::TokenInvalidClaims),
        (
            claims_with(json!({"exp": "1700000060"})),
            ReasonKind::TokenInvalidClaims,
        ),
        (
            claims_with(json!({"exp": null})),
            ReasonKind::TokenInvalidClaims,
        ),
        (
            claims_with(json!({"nbf": null})),
            ReasonKind::TokenInvalidClaims,
        ),
        (
            claims_with(json!({"iat": [1]})),
            ReasonKind::TokenInvalidClaims,
        ),
        (
            claims_with(json!({"exp": -9.0e300})),
            ReasonKind::TokenExpired,
        ),
        (
            claims_with(json!({"exp": i64::MIN})),
            ReasonKind::TokenExpired,
        ),
    ];
    for (claims, expected) in rejected {
        let err = verify(&signer.token(&claims)).expect_err("rejected");
        assert_eq!(err.reason(), expected, "{claims}");
    }
    assert_eq!(
        ReasonKind::TokenInvalidClaims.as_str(),
        "token-verification-failed"
    );
    // Fractional and huge expiries are numbers too.
    for exp in [json!(NOW as f64 + 60.5), json!(u64::MAX), json!(1.0e300)] {
        let token = signer.token(&claims_with(json!({ "exp": exp })));
        assert!(verify(&token).is_ok(), "{exp}");
    }
    // Extreme clocks do not overflow.
    let token = signer.token(&claims());
    assert!(verify_opts(&token, &options_at(i64::MIN)).is_err());
    assert!(verify_opts(&token, &options_at(i64::MAX)).is_err());
    let huge_leeway = options_at(i64::MAX).leeway(Duration::MAX);
    assert!(verify_opts(&token, &huge_leeway).is_ok());
}

#[test]
fn subject_must_be_a_string() {
    let signer = Signer::rsa2048();
    for claims in [
        claims_without(&["sub"]),
        claims_with(json!({"sub": 42})),
        claims_with(json!({"sub": null})),
    ] {
        let err = verify(&signer.token(&claims)).expect_err("no sub");
        assert_eq!(err.reason(), ReasonKind::TokenInvalidSubject, "{claims}");
        assert_eq!(err.reason().as_str(), "token-verification-failed");
    }
}

#[test]
fn authorized_parties() {
    let signer = Signer::rsa2048();
    let allowed = options().authorized_parties([AZP, "http://localhost:3000"]);
    assert!(verify_opts(&signer.token(&claims()), &allowed).is_ok());

    let other = signer.token(&claims_with(json!({"azp": "https://evil.example"})));
    let err = verify_opts(&other, &allowed).expect_err("denied");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidAuthorizedParties);
    assert_eq!(err.reason().as_str(), "token-invalid-authorized-parties");
    assert!(err.message().contains("https://evil.example"));

    // Missing azp fails once a list is configured (reference semantics)…
    let absent = signer.token(&claims_without(&["azp"]));
    assert_eq!(
        reason(verify_opts(&absent, &allowed)),
        ReasonKind::TokenInvalidAuthorizedParties
    );
    let wrong_type = signer.token(&claims_with(json!({"azp": [AZP]})));
    assert_eq!(
        reason(verify_opts(&wrong_type, &allowed)),
        ReasonKind::TokenInvalidAuthorizedParties
    );
    // …and nothing is checked without a list (empty strings don't count as one).
    assert!(verify(&absent).is_ok());
    assert!(verify(&other).is_ok());
    assert!(verify_opts(&other, &options().authorized_parties([""])).is_ok());
}

#[test]
fn issuer_exact_list_and_predicate() {
    let signer = Signer::rsa2048();
    let token = signer.token(&claims());
    assert!(verify_opts(&token, &options().issuer(ISS)).is_ok());
    assert!(verify_opts(&token, &options().issuers(["https://x", ISS])).is_ok());
    let err = verify_opts(&token, &options().issuer("https://clerk.other.com")).expect_err("iss");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidIssuer);
    assert_eq!(err.reason().as_str(), "token-invalid-issuer");
    // Prefix matches are not matches.
    assert_eq!(
        reason(verify_opts(
            &token,
            &options().issuer("https://clerk.example.co")
        )),
        ReasonKind::TokenInvalidIssuer
    );

    let predicate = options().issuer_matching(|iss| iss.ends_with(".example.com"));
    assert!(verify_opts(&token, &predicate).is_ok());
    let other = signer.token(&claims_with(json!({"iss": "https://clerk.evil.com"})));
    assert_eq!(
        reason(verify_opts(&other, &predicate)),
        ReasonKind::TokenInvalidIssuer
    );

    let missing = signer.token(&claims_without(&["iss"]));
    assert_eq!(
        reason(verify_opts(&missing, &options().issuer(ISS))),
        ReasonKind::TokenInvalidIssuer
    );
    assert_eq!(
        reason(verify_opts(&missing, &predicate)),
        ReasonKind::TokenInvalidIssuer
    );
    // No issuer check by default, as in the reference.
    assert!(verify(&other).is_ok());
    assert!(verify_opts(&other, &options().issuers(Vec::<String>::new())).is_ok());
}

#[test]
fn audience_string_and_array() {
    let signer = Signer::rsa2048();
    let api = options().audience(["api", "other"]);
    let one = signer.token(&claims_with(json!({"aud": "api"})));
    let many = signer.token(&claims_with(json!({"aud": ["x", "other"]})));
    let wrong_one = signer.token(&claims_with(json!({"aud": "web"})));
    let wrong_many = signer.token(&claims_with(json!({"aud": ["web", "mobile"]})));
    assert!(verify_opts(&one, &api).is_ok());
    assert!(verify_opts(&many, &api).is_ok());
    let err = verify_opts(&wrong_one, &api).expect_err("aud");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidAudience);
    assert_eq!(err.reason().as_str(), "token-verification-failed");
    assert_eq!(
        reason(verify_opts(&wrong_many, &api)),
        ReasonKind::TokenInvalidAudience
    );

    // Not checked when the token has no (or an empty) audience, as in the reference…
    for claims in [
        claims(),
        claims_with(json!({"aud": ""})),
        claims_with(json!({"aud": []})),
        claims_with(json!({"aud": null})),
    ] {
        assert!(
            verify_opts(&signer.token(&claims), &api).is_ok(),
            "{claims}"
        );
    }
    // …but an audience of another type is rejected (the reference lets it through).
    for aud in [json!(5), json!({"a": 1}), json!(["api", 5])] {
        let token = signer.token(&claims_with(json!({ "aud": aud })));
        assert_eq!(
            reason(verify_opts(&token, &api)),
            ReasonKind::TokenInvalidAudience,
            "{aud}"
        );
    }
    // Without an audience option, aud is not checked.
    assert!(verify(&wrong_one).is_ok());
}

#[test]
fn checks_run_in_the_reference_order() {
    let signer = Signer::rsa2048();
    let strict = options()
        .authorized_parties([AZP])
        .issuer(ISS)
        .audience(["api"]);
    let all_wrong = claims_with(json!({
        "aud": "web", "azp": "https://evil", "iss": "https://evil", "exp": NOW - 100,
        "nbf": NOW + 100, "iat": NOW + 100,
    }));
    let steps = [
        ("aud", ReasonKind::TokenInvalidAudience, json!("api")),
        ("azp", ReasonKind::TokenInvalidAuthorizedParties, json!(AZP)),
        ("iss", ReasonKind::TokenInvalidIssuer, json!(ISS)),
        ("exp", ReasonKind::TokenExpired, json!(NOW + 60)),
        ("nbf", ReasonKind::TokenNotActiveYet, json!(NOW)),
        ("iat", ReasonKind::TokenIatInTheFuture, json!(NOW)),
    ];
    let mut claims = all_wrong;
    for (claim, expected, fix) in steps {
        let token = signer.token(&claims);
        assert_eq!(reason(verify_opts(&token, &strict)), expected, "{claim}");
        claims[claim] = fix;
    }
    assert!(verify_opts(&signer.token(&claims), &strict).is_ok());

    // The subject comes first; the signature before any claim.
    let no_sub = claims_with(json!({"azp": "https://evil", "sub": 1}));
    assert_eq!(
        reason(verify_opts(&signer.token(&no_sub), &strict)),
        ReasonKind::TokenInvalidSubject
    );
    let forged = Signer::new(WRONG2048_PRIVATE).token(&no_sub);
    assert_eq!(
        reason(verify_opts(&forged, &strict)),
        ReasonKind::TokenInvalidSignature
    );
    // A wrongly typed exp is reported in order too: azp comes first.
    let bad_exp = claims_with(json!({"azp": "https://evil", "exp": "soon"}));
    assert_eq!(
        reason(verify_opts(&signer.token(&bad_exp), &strict)),
        ReasonKind::TokenInvalidAuthorizedParties
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct MyClaims {
    sub: String,
    exp: i64,
    tenant: String,
    roles: Vec<String>,
}

#[test]
fn custom_claims_through_extra_and_a_generic_type() {
    let signer = Signer::rsa2048();
    let token = signer.token(&claims_with(
        json!({"tenant": "eu-1", "roles": ["a", "b"], "aud": "api"}),
    ));
    let session = verify(&token).expect("valid");
    assert_eq!(session.extra["tenant"], "eu-1");
    assert_eq!(session.extra["roles"], json!(["a", "b"]));
    assert_eq!(session.extra["aud"], "api");
    assert!(
        !session.extra.contains_key("sub"),
        "known claims are not duplicated in extra"
    );

    let mine: MyClaims = verify_token_as(&token, &public_key(), &options()).expect("valid");
    assert_eq!(mine.tenant, "eu-1");
    assert_eq!(mine.roles, ["a", "b"]);
    let verifier = Verifier::with_options(public_key(), options());
    assert_eq!(verifier.verify_as::<MyClaims>(&token).expect("valid"), mine);
    let raw: Value = verifier.verify_as(&token).expect("valid");
    assert_eq!(raw["sid"], "sess_2abcDEFghiJKLmnoPQRstu");

    // The registered claims are checked whatever the type.
    let expired = signer.token(&claims_with(
        json!({"tenant": "eu-1", "roles": [], "exp": NOW - 60}),
    ));
    assert_eq!(
        verifier
            .verify_as::<MyClaims>(&expired)
            .map_err(|e| e.reason()),
        Err(ReasonKind::TokenExpired)
    );
    let api_only = Verifier::with_options(public_key(), options().audience(["web"]));
    assert_eq!(
        api_only
            .verify_as::<MyClaims>(&token)
            .map_err(|e| e.reason()),
        Err(ReasonKind::TokenInvalidAudience)
    );
    // A payload that does not fit the type.
    let missing = signer.token(&claims());
    let err = verifier
        .verify_as::<MyClaims>(&missing)
        .expect_err("no tenant");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidClaims);
    // …and a session claim of the wrong type.
    let bad = signer.token(&claims_with(json!({"org_permissions": "org:x:y"})));
    assert_eq!(reason(verify(&bad)), ReasonKind::TokenInvalidClaims);
}

#[test]
fn errors_never_contain_the_token() {
    let signer = Signer::rsa2048();
    let secret_marker = "SECRET-MARKER-1234567890";
    let tokens = [
        signer.token(&claims_with(
            json!({"exp": NOW - 100, "marker": secret_marker}),
        )),
        Signer::new(WRONG2048_PRIVATE).token(&claims_with(json!({"marker": secret_marker}))),
        signer.token(&claims_with(json!({"org_permissions": secret_marker}))),
        signer.token(&claims_with(json!({"exp": secret_marker}))),
        format!(
            "{}.x",
            signer.token(&claims_with(json!({"marker": secret_marker})))
        ),
    ];
    for token in tokens {
        let err = verify(&token).expect_err("rejected");
        for rendered in [
            format!("{err}"),
            format!("{err:?}"),
            err.full_message(),
            err.message().to_owned(),
        ] {
            assert!(!rendered.contains(&token), "{rendered}");
            assert!(!rendered.contains(secret_marker), "{rendered}");
            let (_, payload_and_sig) = token.split_once('.').expect("dot");
            let payload = payload_and_sig.split('.').next().expect("payload");
            assert!(!rendered.contains(payload), "{rendered}");
        }
    }
}

#[test]
fn every_reason_maps_to_the_reference_string_and_an_action() {
    use ReasonKind::*;
    let table = [
        (TokenMalformed, "token-invalid"),
        (TokenTooLarge, "token-invalid"),
        (TokenInvalidType, "token-invalid"),
        (TokenInvalidCategory, "token-invalid"),
        (TokenInvalidAlgorithm, "token-invalid-algorithm"),
        (TokenInvalidSignature, "token-invalid-signature"),
        (TokenInvalidSubject, "token-verification-failed"),
        (TokenInvalidClaims, "token-verification-failed"),
        (TokenInvalidAudience, "token-verification-failed"),
        (
            TokenInvalidAuthorizedParties,
            "token-invalid-authorized-parties",
        ),
        (TokenInvalidIssuer, "token-invalid-issuer"),
        (TokenExpired, "token-expired"),
        (TokenNotActiveYet, "token-not-active-yet"),
        (TokenIatInTheFuture, "token-iat-in-the-future"),
        (TokenVerificationFailed, "token-verification-failed"),
        (SecretKeyInvalid, "secret-key-invalid"),
        (JwkLocalMissing, "jwk-local-missing"),
        (JwkFailedToResolve, "jwk-failed-to-resolve"),
        (JwksFailedToLoad, "jwk-remote-failed-to-load"),
        (JwkRemoteInvalid, "jwk-remote-invalid"),
        (JwkRemoteMissing, "jwk-remote-missing"),
        (JwkKidMismatch, "jwk-kid-mismatch"),
    ];
    for (kind, expected) in table {
        assert_eq!(kind.as_str(), expected);
        assert_eq!(kind.to_string(), expected);
        assert!(!kind.action().is_empty());
        let err = VerifyError::new(kind, "boom");
        assert_eq!(err.to_string(), format!("boom (reason={expected})"));
        assert_eq!(
            err.full_message(),
            format!("boom {} (reason={expected})", kind.action())
        );
    }
    assert_eq!(
        SecretKeyInvalid.action(),
        "Set the CLERK_SECRET_KEY environment variable."
    );
    assert_eq!(JwksFailedToLoad.action(), "Contact support@clerk.com");
    assert_eq!(
        TokenMalformed.action(),
        "Make sure that this is a valid Clerk-generated JWT."
    );
    assert_eq!(
        TokenExpired.action(),
        "Make sure your system clock is in sync (e.g. turn off and on automatic time synchronization)."
    );
    let with_kid = VerifyError::new(JwkKidMismatch, "x").with_kid(Some("ins_1"));
    assert_eq!(with_kid.context().kid.as_deref(), Some("ins_1"));
}

#[test]
fn a_4096_bit_key_verifies_its_tokens() {
    let key = PublicKey::from_pem(RSA4096_SPKI).expect("4096");
    let token = Signer::new(RSA4096_PRIVATE).token(&claims());
    assert!(verify_token(&token, &key, &options()).is_ok());
    assert_eq!(
        verify_token(&Signer::rsa2048().token(&claims()), &key, &options()).map_err(|e| e.reason()),
        Err(ReasonKind::TokenInvalidSignature)
    );
}

#[test]
fn verifier_is_shareable_and_debug_is_safe() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Verifier>();
    assert_send_sync::<Verifier<KeySet>>();
    assert_send_sync::<VerifyError>();
    let verifier = Verifier::with_options(
        public_key(),
        options()
            .issuer_matching(|_| true)
            .authorized_parties([AZP]),
    );
    let debug = format!("{verifier:?}");
    assert!(
        debug.contains("<predicate>") && debug.contains(AZP),
        "{debug}"
    );
    let der_b64 = RSA2048_SPKI.lines().nth(1).expect("body line");
    assert!(!debug.contains(der_b64), "{debug}");
    assert_eq!(verifier.options().leeway_duration(), Duration::from_secs(5));
}

#[test]
fn a_header_or_payload_that_is_not_a_json_object_is_malformed() {
    let signer = Signer::rsa2048();
    // serde would fill the header struct by position from an array: `["RS256"]` is no header.
    let array_header = signer.sign(&json!(["RS256", "JWT", KID]), &claims());
    let err = verify_token(&array_header, &public_key(), &options()).unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenMalformed);
    assert_eq!(err.reason().as_str(), "token-invalid");
    assert!(clerk_auth::jwt::decode_header(&array_header).is_err());

    let array_payload = signer.sign(
        &header(),
        &json!(["user_2abcDEFghiJKLmnoPQRstu", "sess_2abcDEFghiJKLmnoPQRstu"]),
    );
    let err = verify_token(&array_payload, &public_key(), &options()).unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenMalformed);
    let err = verify_token_as::<serde_json::Value, _>(&array_payload, &public_key(), &options())
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenMalformed);

    for not_an_object in [json!("RS256"), json!(null), json!(1)] {
        let token = signer.sign(&not_an_object, &claims());
        assert!(
            clerk_auth::jwt::decode_header(&token).is_err(),
            "{not_an_object}"
        );
        assert_eq!(
            verify_token(&token, &public_key(), &options()).map_err(|e| e.reason()),
            Err(ReasonKind::TokenMalformed)
        );
    }
}

#[test]
fn require_audience_refuses_tokens_without_one() {
    let signer = Signer::rsa2048();
    let without = signer.token(&claims());
    let empty = signer.token(&claims_with(json!({"aud": []})));
    let right = signer.token(&claims_with(json!({"aud": "https://api.example.com"})));
    let lenient = options().audience(["https://api.example.com"]);
    let strict = lenient.clone().require_audience(true);
    // By default (as in @clerk/backend) a token without `aud` is not checked.
    assert!(verify_opts(&without, &lenient).is_ok());
    assert!(verify_opts(&empty, &lenient).is_ok());
    for token in [&without, &empty] {
        assert_eq!(
            verify_opts(token, &strict).map_err(|e| e.reason()),
            Err(ReasonKind::TokenInvalidAudience)
        );
    }
    assert!(verify_opts(&right, &strict).is_ok());
    // Without an audience configured there is nothing to require.
    assert!(verify_opts(&without, &options().require_audience(true)).is_ok());
}
