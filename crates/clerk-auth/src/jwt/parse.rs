//! Splitting a compact JWS and decoding its segments, without trusting anything in it yet.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, Visitor};

use crate::error::{ReasonKind, VerifyError};

/// base64url as JWTs use it: no padding required, `=` padding tolerated, non-canonical trailing
/// bits and stray characters rejected.
pub(crate) const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Largest decoded header we accept; real headers are well under 200 bytes.
pub(crate) const MAX_HEADER_LEN: usize = 1024;
/// Largest RSA signature (8192-bit modulus).
pub(crate) const MAX_SIGNATURE_LEN: usize = 1024;

/// The three segments of a compact JWS, still encoded.
#[derive(Clone, Copy)]
pub(crate) struct Segments<'t> {
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    /// `<header>.<payload>`, exactly as received: what the signature covers.
    pub(crate) signing_input: &'t str,
}

/// Splits `token` into exactly three dot-separated segments.
pub(crate) fn split(token: &str, max_len: usize) -> Result<Segments<'_>, VerifyError> {
    if token.len() > max_len {
        return Err(VerifyError::new(
            ReasonKind::TokenTooLarge,
            format!(
                "Invalid JWT form. The token is {} bytes long; at most {max_len} are accepted.",
                token.len()
            ),
        ));
    }
    let shape_error = || {
        VerifyError::new(
            ReasonKind::TokenMalformed,
            "Invalid JWT form. A JWT consists of three parts separated by dots.",
        )
    };
    let first = token.find('.').ok_or_else(shape_error)?;
    let rest = &token[first + 1..];
    let second = rest.find('.').ok_or_else(shape_error)?;
    let signature = &rest[second + 1..];
    if signature.contains('.') {
        return Err(shape_error());
    }
    Ok(Segments {
        header: &token[..first],
        payload: &rest[..second],
        signature,
        signing_input: &token[..first + 1 + second],
    })
}

pub(crate) fn undecodable() -> VerifyError {
    VerifyError::new(
        ReasonKind::TokenMalformed,
        "Invalid JWT form. The header, payload, or signature could not be decoded.",
    )
}

/// Decodes a base64url segment into `out`, returning the decoded length; `None` if `out` is too
/// small.
pub(crate) fn decode_into(segment: &str, out: &mut [u8]) -> Result<Option<usize>, VerifyError> {
    match BASE64URL.decode_slice(segment, out) {
        Ok(len) => Ok(Some(len)),
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => Ok(None),
        Err(base64::DecodeSliceError::DecodeError(_)) => Err(undecodable()),
    }
}

/// Decodes a base64url segment into a new buffer.
pub(crate) fn decode_vec(segment: &str) -> Result<Vec<u8>, VerifyError> {
    let mut out = Vec::with_capacity(segment.len() / 4 * 3 + 3);
    BASE64URL
        .decode_vec(segment, &mut out)
        .map_err(|_| undecodable())?;
    Ok(out)
}

/// Parses a decoded header: it must be a JSON object (serde would also fill a struct from an
/// array, by position).
pub(crate) fn decode_header(bytes: &[u8]) -> Result<Header<'_>, VerifyError> {
    if !starts_like_object(bytes) {
        return Err(undecodable());
    }
    serde_json::from_slice(bytes).map_err(|_| undecodable())
}

/// Whether `bytes` starts like a JSON object (after optional whitespace).
pub(crate) fn starts_like_object(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Whether `bytes` is one well-formed JSON object and nothing else. Reads the whole text once,
/// without building anything.
pub(crate) fn is_json_object_text(bytes: &[u8]) -> bool {
    struct ObjectOnly;

    impl<'de> Visitor<'de> for ObjectOnly {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(())
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.deserialize_map(ObjectOnly).is_ok() && deserializer.end().is_ok()
}

/// The JOSE header members the verifier looks at. Others are ignored; `crit` is rejected since
/// no extension is understood.
#[derive(serde::Deserialize)]
pub(crate) struct Header<'h> {
    #[serde(borrow, default)]
    pub(crate) alg: Option<Str<'h>>,
    #[serde(borrow, default)]
    pub(crate) typ: Option<Str<'h>>,
    #[serde(borrow, default)]
    pub(crate) kid: Option<Str<'h>>,
    #[serde(borrow, default)]
    pub(crate) cat: Option<Str<'h>>,
    #[serde(default)]
    pub(crate) crit: Option<IgnoredAny>,
}

/// A JSON string borrowed from the input when it has no escapes, owned otherwise.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl Str<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Str<'a>, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(StrVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_requires_exactly_three_parts() {
        let s = split("a.b.c", 100).map(|s| (s.header, s.payload, s.signature, s.signing_input));
        assert_eq!(s.ok(), Some(("a", "b", "c", "a.b")));
        assert!(split("a.b", 100).is_err());
        assert!(split("a.b.c.d", 100).is_err());
        assert!(split("abc", 100).is_err());
        assert!(split("", 100).is_err());
        assert!(
            split("..", 100).is_ok(),
            "empty segments fail later, when decoded"
        );
        assert_eq!(
            split("a.b.c", 4).err().map(|e| e.reason()),
            Some(ReasonKind::TokenTooLarge)
        );
    }

    #[test]
    fn base64url_is_strict_but_tolerates_padding() {
        let mut buf = [0u8; 8];
        assert_eq!(decode_into("YQ", &mut buf).ok().flatten(), Some(1));
        assert_eq!(decode_into("YQ==", &mut buf).ok().flatten(), Some(1));
        assert!(
            decode_into("YR", &mut buf).is_err(),
            "non-zero trailing bits"
        );
        assert!(decode_into("Y", &mut buf).is_err(), "dangling 6-bit group");
        assert!(decode_into("YQ+/", &mut buf).is_err(), "standard alphabet");
        assert!(decode_into("Y Q", &mut buf).is_err(), "whitespace");
        assert_eq!(decode_into("YWFhYWFhYWFh", &mut buf).ok(), Some(None));
    }

    #[test]
    fn only_json_objects_are_headers_or_payloads() {
        assert!(
            decode_header(br#"["RS256"]"#).is_err(),
            "an array is no header"
        );
        assert!(decode_header(br#" ["RS256", "JWT", "ins_1"]"#).is_err());
        assert!(decode_header(b"null").is_err());
        assert!(decode_header(br#" {"alg":"RS256"}"#).is_ok());
        assert!(is_json_object_text(
            br#"{"sub":"user_1","n":[1,{"a":null}]}"#
        ));
        assert!(is_json_object_text(b" {} \n"));
        assert!(!is_json_object_text(br#"["user_1", 1]"#));
        assert!(!is_json_object_text(br#"{"sub":"user_1""#), "truncated");
        assert!(!is_json_object_text(br#"{"sub":1} {}"#), "trailing text");
        assert!(!is_json_object_text(b"\"text\""));
        assert!(!is_json_object_text(b""));
    }

    proptest::proptest! {
        // proptest rather than a loop over random bytes: a failure shrinks to a minimal input.

        #[test]
        fn base64url_round_trips_with_or_without_padding(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            padded in proptest::prelude::any::<bool>(),
        ) {
            let mut encoded = BASE64URL.encode(&bytes);
            if padded {
                while encoded.len() % 4 != 0 {
                    encoded.push('=');
                }
            }
            proptest::prop_assert_eq!(decode_vec(&encoded).ok(), Some(bytes.clone()));
            let mut buf = [0u8; 64];
            let len = decode_into(&encoded, &mut buf).ok().flatten();
            proptest::prop_assert_eq!(len.map(|len| buf[..len].to_vec()), Some(bytes));
        }

        /// Decoding is strict: whatever text decodes is the canonical encoding of its bytes
        /// (give or take padding), so no two texts carry the same signature or header.
        #[test]
        fn only_canonical_base64url_decodes(text in "[A-Za-z0-9_=+/ -]{0,12}") {
            if let Ok(bytes) = decode_vec(&text) {
                proptest::prop_assert_eq!(BASE64URL.encode(&bytes), text.trim_end_matches('='));
            }
        }
    }

    #[test]
    fn strings_borrow_when_unescaped() {
        let h: Header<'_> =
            serde_json::from_str(r#"{"alg":"RS256","kid":"a\/b","x":[1]}"#).expect("header");
        assert!(matches!(h.alg.map(|s| s.0), Some(Cow::Borrowed("RS256"))));
        assert_eq!(h.kid.as_ref().map(Str::as_str), Some("a/b"));
        assert!(h.typ.is_none() && h.cat.is_none() && h.crit.is_none());
    }
}
