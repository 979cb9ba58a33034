//! PEM (SPKI, PKCS#1), DER, JWK and JWKS parsing.

use clerk_auth::{Jwk, JwkSet, KeyError, KeySet, KeySource, PublicKey, ReasonKind, verify_token};
use serde_json::json;

use super::common::*;

#[test]
fn spki_pem_of_every_supported_size() {
    let k2048 = PublicKey::from_pem(RSA2048_SPKI).expect("2048");
    assert_eq!(k2048.bits(), 2048);
    assert_eq!(k2048.kid(), None);
    let k4096 = PublicKey::from_pem(RSA4096_SPKI).expect("4096");
    assert_eq!(k4096.bits(), 4096);
    assert_ne!(k2048, k4096);
    let parsed: PublicKey = RSA2048_SPKI.parse().expect("FromStr");
    assert_eq!(parsed, k2048);
}

#[test]
fn pkcs1_pem_is_the_same_key() {
    let spki = PublicKey::from_pem(RSA2048_SPKI).expect("spki");
    let pkcs1 = PublicKey::from_pem(RSA2048_PKCS1).expect("pkcs1");
    assert_eq!(spki, pkcs1);
    let token = Signer::rsa2048().token(&claims());
    assert!(verify_token(&token, &pkcs1, &options()).is_ok());
    // DER entry points agree.
    assert_eq!(
        PublicKey::from_spki_der(&pem_der(RSA2048_SPKI)).expect("der"),
        spki
    );
    assert_eq!(
        PublicKey::from_pkcs1_der(&pem_der(RSA2048_PKCS1)).expect("der"),
        spki
    );
}

#[test]
fn pem_formatting_variants() {
    let expected = PublicKey::from_pem(RSA2048_SPKI).expect("pem");
    let crlf = RSA2048_SPKI.replace('\n', "\r\n");
    let one_line = RSA2048_SPKI.replace('\n', "");
    let escaped = RSA2048_SPKI.trim_end().replace('\n', "\\n");
    let indented = format!(
        "  # from the dashboard\n{}",
        RSA2048_SPKI.replace('\n', "\n    ")
    );
    let unpadded = RSA2048_SPKI.replace('=', "");
    for variant in [crlf, one_line, escaped, indented, unpadded] {
        assert_eq!(
            PublicKey::from_pem(&variant).as_ref(),
            Ok(&expected),
            "{variant}"
        );
    }
}

#[test]
fn bad_pem_and_der_are_typed_errors() {
    assert_eq!(PublicKey::from_pem(""), Err(KeyError::PemNotFound));
    assert_eq!(
        PublicKey::from_pem("MIIBIjANBgkqhkiG9w0BAQEFAAOC"),
        Err(KeyError::PemNotFound)
    );
    assert_eq!(
        PublicKey::from_pem(RSA2048_PRIVATE),
        Err(KeyError::PrivateKey)
    );
    assert_eq!(
        PublicKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
        Err(KeyError::UnsupportedPemLabel("CERTIFICATE".to_owned()))
    );
    let unterminated = RSA2048_SPKI.replace("-----END PUBLIC KEY-----", "");
    assert!(matches!(
        PublicKey::from_pem(&unterminated),
        Err(KeyError::PemUnterminated(_))
    ));
    let mismatched = RSA2048_SPKI.replace("END PUBLIC KEY", "END RSA PUBLIC KEY");
    assert!(matches!(
        PublicKey::from_pem(&mismatched),
        Err(KeyError::PemUnterminated(_))
    ));
    let bad_base64 = RSA2048_SPKI.replacen("MII", "M*I", 1);
    assert_eq!(PublicKey::from_pem(&bad_base64), Err(KeyError::PemBase64));

    assert_eq!(
        PublicKey::from_pem(EC_P256_SPKI),
        Err(KeyError::UnsupportedAlgorithm(
            "1.2.840.10045.2.1".to_owned()
        ))
    );
    assert_eq!(
        PublicKey::from_pem(RSA1024_SPKI),
        Err(KeyError::UnsupportedKeySize { bits: 1024 })
    );

    let der = pem_der(RSA2048_SPKI);
    // Truncated anywhere, with trailing bytes, or with a wrong outer tag: never a panic.
    for len in 0..der.len() {
        assert!(
            matches!(PublicKey::from_spki_der(&der[..len]), Err(KeyError::Der(_))),
            "{len}"
        );
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(matches!(
        PublicKey::from_spki_der(&trailing),
        Err(KeyError::Der(_))
    ));
    let mut wrong_tag = der.clone();
    wrong_tag[0] = 0x31;
    assert!(matches!(
        PublicKey::from_spki_der(&wrong_tag),
        Err(KeyError::Der(_))
    ));
    // A PKCS#1 body where SPKI is expected, and the other way round.
    assert!(PublicKey::from_spki_der(&pem_der(RSA2048_PKCS1)).is_err());
    assert!(PublicKey::from_pkcs1_der(&der).is_err());
    // Every single-byte corruption of the header is rejected or yields some valid key; none panics.
    for i in 0..40 {
        let mut corrupt = der.clone();
        corrupt[i] ^= 0xff;
        let _ = PublicKey::from_spki_der(&corrupt);
    }
}

#[test]
fn spki_without_null_parameters_is_tolerated() {
    // Rebuild the SPKI with an AlgorithmIdentifier holding only the OID.
    let pkcs1 = pem_der(RSA2048_PKCS1);
    let oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    let mut alg = vec![0x30, oid.len() as u8];
    alg.extend(oid);
    let mut bits = vec![0x03, 0x82];
    bits.extend(((pkcs1.len() + 1) as u16).to_be_bytes());
    bits.push(0);
    bits.extend(&pkcs1);
    let mut spki = vec![0x30, 0x82];
    spki.extend(((alg.len() + bits.len()) as u16).to_be_bytes());
    spki.extend(alg);
    spki.extend(bits);
    assert_eq!(
        PublicKey::from_spki_der(&spki).expect("no NULL"),
        PublicKey::from_pem(RSA2048_SPKI).expect("pem")
    );
}

#[test]
fn components_are_validated() {
    let key = PublicKey::from_pem(RSA2048_SPKI).expect("pem");
    let jwk = key.to_jwk();
    let n = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        jwk.n.as_deref().expect("n"),
    )
    .expect("n");
    assert_eq!(PublicKey::from_components(&n, &[1, 0, 1]).expect("ok"), key);
    // Leading zeros are ignored.
    let mut padded = vec![0, 0];
    padded.extend(&n);
    assert_eq!(
        PublicKey::from_components(&padded, &[0, 1, 0, 1]).expect("ok"),
        key
    );

    let mut even = n.clone();
    *even.last_mut().expect("byte") &= 0xfe;
    assert_eq!(
        PublicKey::from_components(&even, &[1, 0, 1]),
        Err(KeyError::InvalidModulus)
    );
    assert_eq!(
        PublicKey::from_components(&[], &[1, 0, 1]),
        Err(KeyError::InvalidModulus)
    );
    assert_eq!(
        PublicKey::from_components(&n[..128], &[1, 0, 1]),
        Err(KeyError::UnsupportedKeySize { bits: 1024 })
    );
    // Found by the `keys` fuzz target: a 256-byte modulus whose top bits are zero (2044 bits
    // here) passed as a 2048-bit key, because only the byte length was checked.
    let mut short = n.clone();
    short[0] = 0x0f;
    assert_eq!(
        PublicKey::from_components(&short, &[1, 0, 1]),
        Err(KeyError::UnsupportedKeySize { bits: 2044 })
    );
    short[0] = 0x80;
    assert_eq!(
        PublicKey::from_components(&short, &[1, 0, 1]).map(|k| k.bits()),
        Ok(2048)
    );
    let mut huge = vec![0xff; 1025];
    huge[1024] = 1;
    assert_eq!(
        PublicKey::from_components(&huge, &[1, 0, 1]),
        Err(KeyError::UnsupportedKeySize { bits: 8200 })
    );
    for e in [&[][..], &[1], &[2], &[4, 0], &[1, 0, 0, 0, 0, 1]] {
        assert_eq!(
            PublicKey::from_components(&n, e),
            Err(KeyError::InvalidExponent),
            "{e:?}"
        );
    }
    assert!(PublicKey::from_components(&n, &[3]).is_ok());
}

#[test]
fn jwk_from_n_and_e() {
    let jwks: JwkSet = serde_json::from_str(RSA2048_JWKS).expect("jwks");
    assert_eq!(jwks.keys.len(), 2);
    let jwk = jwks.find(KID).expect("rsa key");
    let key = PublicKey::from_jwk(jwk).expect("jwk");
    assert_eq!(key.kid(), Some(KID));
    assert_eq!(key.bits(), 2048);
    assert_eq!(key, public_key().with_kid(KID));
    assert_eq!(key.to_jwk(), {
        let mut expected = jwk.clone();
        expected.kid = Some(KID.to_owned());
        expected
    });

    let token = Signer::rsa2048().token(&claims());
    assert!(verify_token(&token, &key, &options()).is_ok());

    // The JWKS as a key set skips the EC key.
    let set = KeySet::from_jwk_set(&jwks).expect("set");
    assert_eq!(set.len(), 1);
    assert_eq!(set.kids().collect::<Vec<_>>(), [KID]);
    assert!(verify_token(&token, &set, &options()).is_ok());
    assert!(set.key_for(Some(KID)).is_ok());
    assert_eq!(
        set.key_for(Some("ec_key")).map_err(|e| e.reason()),
        Err(ReasonKind::JwkKidMismatch)
    );
    // A JWKS key never matches a token without a kid, even when it is the only key: Clerk always
    // sets kid, so such a token is not Clerk's (the reference: jwk-kid-mismatch).
    assert_eq!(
        set.key_for(None).map_err(|e| e.reason()),
        Err(ReasonKind::JwkKidMismatch)
    );
    let no_kid = Signer::rsa2048().sign(&json!({"alg": "RS256", "typ": "JWT"}), &claims());
    assert_eq!(
        verify_token(&no_kid, &set, &options()).map_err(|e| e.reason()),
        Err(ReasonKind::JwkKidMismatch)
    );
    // A JWK without a kid could never be selected: it is skipped.
    let mut kidless = jwk.clone();
    kidless.kid = None;
    assert!(KeySet::from_jwk_set(&JwkSet::new(vec![kidless])).is_err());
}

#[test]
fn a_networkless_key_ignores_the_kid_alone_or_in_a_set() {
    // CLERK_JWT_KEY has no kid: like the reference's networkless mode, the token's kid (or its
    // absence) is not checked.
    let set: KeySet = std::iter::once(public_key()).collect();
    let with_kid = Signer::rsa2048().token(&claims());
    let no_kid = Signer::rsa2048().sign(&json!({"alg": "RS256", "typ": "JWT"}), &claims());
    for token in [&with_kid, &no_kid] {
        assert!(verify_token(token, &public_key(), &options()).is_ok());
        assert!(verify_token(token, &set, &options()).is_ok());
    }
}

#[test]
fn jwk_errors() {
    let jwks: JwkSet = serde_json::from_str(RSA2048_JWKS).expect("jwks");
    let good = jwks.find(KID).expect("rsa").clone();
    let with = |change: serde_json::Value| -> Jwk {
        let mut value = serde_json::to_value(&good).expect("json");
        for (k, v) in change.as_object().expect("object") {
            value[k] = v.clone();
        }
        serde_json::from_value(value).expect("jwk")
    };
    assert_eq!(
        PublicKey::from_jwk(jwks.find("ec_key").expect("ec")),
        Err(KeyError::UnsupportedKeyType("EC".to_owned()))
    );
    assert_eq!(
        PublicKey::from_jwk(&with(json!({"alg": "RS512"}))),
        Err(KeyError::UnsupportedJwkAlgorithm("RS512".to_owned()))
    );
    assert_eq!(
        PublicKey::from_jwk(&with(json!({"use": "enc"}))),
        Err(KeyError::UnsupportedKeyUse("enc".to_owned()))
    );
    assert_eq!(
        PublicKey::from_jwk(&with(json!({"n": null}))),
        Err(KeyError::MissingJwkMember("n"))
    );
    assert_eq!(
        PublicKey::from_jwk(&with(json!({"e": null}))),
        Err(KeyError::MissingJwkMember("e"))
    );
    assert_eq!(
        PublicKey::from_jwk(&with(json!({"n": "a+b/"}))),
        Err(KeyError::InvalidJwkMember("n"))
    );
    assert_eq!(
        PublicKey::from_jwk(&with(json!({"e": "AQ"}))),
        Err(KeyError::InvalidExponent)
    );
    // Absent alg and use are fine; padded base64url too.
    let padded_n = format!("{}==", good.n.as_deref().expect("n"));
    assert!(PublicKey::from_jwk(&with(json!({"alg": null, "use": null, "e": "AQAB"}))).is_ok());
    assert!(PublicKey::from_jwk(&with(json!({"n": padded_n}))).is_ok());

    let only_ec: JwkSet = serde_json::from_value(json!({"keys": [
        {"kty": "EC", "kid": "a"}, {"kty": "RSA", "kid": "b", "use": "enc", "n": good.n, "e": "AQAB"},
        {"kty": "RSA", "kid": "c"}, {"kty": "oct", "k": "c2VjcmV0"}
    ]}))
    .expect("tolerant of other key types");
    assert_eq!(KeySet::from_jwk_set(&only_ec), Err(KeyError::NoUsableKeys));
    assert_eq!(
        KeySet::from_jwk_set(&JwkSet::default()),
        Err(KeyError::NoUsableKeys)
    );
    assert!(
        serde_json::from_str::<JwkSet>("{}")
            .expect("no keys")
            .keys
            .is_empty()
    );
}

#[test]
fn key_set_insert_replaces_by_kid() {
    let mut set = KeySet::new();
    set.insert(public_key().with_kid("a"));
    set.insert(
        PublicKey::from_pem(RSA4096_SPKI)
            .expect("4096")
            .with_kid("a"),
    );
    set.insert(public_key().with_kid("b"));
    assert_eq!(set.len(), 2);
    assert_eq!(set.get("a").map(PublicKey::bits), Some(4096));
    assert_eq!(set.iter().count(), 2);
    // Several keys and no kid: ambiguous.
    assert_eq!(
        set.key_for(None).map_err(|e| e.reason()),
        Err(ReasonKind::JwkKidMismatch)
    );
}

#[test]
fn debug_never_shows_key_material() {
    let key = public_key().with_kid(KID);
    let jwk = key.to_jwk();
    let n = jwk.n.clone().expect("n");
    let der_line = RSA2048_SPKI.lines().nth(1).expect("body line").to_owned();
    let set: KeySet = [key.clone()].into_iter().collect();
    for debug in [
        format!("{key:?}"),
        format!("{jwk:?}"),
        format!("{set:?}"),
        format!("{:?}", JwkSet::new(vec![jwk.clone()])),
    ] {
        assert!(!debug.contains(&n[..40]), "{debug}");
        assert!(!debug.contains(&der_line[..40]), "{debug}");
        assert!(debug.contains(KID), "{debug}");
    }
    assert_eq!(
        format!("{key:?}"),
        "PublicKey { kid: Some(\"ins_test_2048\"), alg: \"RS256\", bits: 2048, .. }"
    );
    // Errors about keys don't echo the key either.
    let err = PublicKey::from_pem(RSA2048_PRIVATE).expect_err("private");
    let private_line = RSA2048_PRIVATE.lines().nth(1).expect("line");
    assert!(!format!("{err} {err:?}").contains(private_line));
}
