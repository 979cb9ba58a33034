//! The registered-claim checks (`sub`, `aud`, `azp`, `iss`, `exp`, `nbf`, `iat`), in the order
//! `@clerk/backend` applies them, and payload decoding.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, IgnoredAny, Visitor};

use super::parse::Str;
use super::{IssuerRule, VerifyOptions};
use crate::claims::SessionClaims;
use crate::error::{ErrorContext, ReasonKind, VerifyError, http_date, quote};

/// A registered claim as found in the payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Claim<T> {
    /// Not in the payload.
    #[default]
    Absent,
    /// Present with the expected JSON type.
    Present(T),
    /// Present with another JSON type (including `null`).
    Invalid,
}

impl<T> Claim<T> {
    pub(crate) fn from_option(value: Option<T>) -> Claim<T> {
        value.map_or(Claim::Absent, Claim::Present)
    }
}

/// The `aud` claim as found in the payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Audience<'r> {
    /// Not in the payload, or `null`.
    #[default]
    Absent,
    /// A string.
    One(&'r str),
    /// An array of strings.
    Many(Vec<&'r str>),
    /// Anything else (a number, an object, an array with non-strings…).
    Invalid,
}

impl<'r> Audience<'r> {
    /// Reads `aud` from a JSON value.
    pub(crate) fn from_json(value: Option<&'r serde_json::Value>) -> Audience<'r> {
        use serde_json::Value;
        match value {
            None | Some(Value::Null) => Audience::Absent,
            Some(Value::String(s)) => Audience::One(s),
            Some(Value::Array(items)) => items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<&str>>>()
                .map_or(Audience::Invalid, Audience::Many),
            Some(_) => Audience::Invalid,
        }
    }
}

/// The registered claims of a payload, borrowed from wherever they were decoded.
#[derive(Clone, Debug, Default)]
pub(crate) struct Registered<'r> {
    pub(crate) sub: Claim<&'r str>,
    pub(crate) aud: Audience<'r>,
    pub(crate) azp: Claim<&'r str>,
    pub(crate) iss: Claim<&'r str>,
    pub(crate) exp: Claim<i64>,
    pub(crate) nbf: Claim<i64>,
    pub(crate) iat: Claim<i64>,
}

/// Applies the claim checks in the reference order: `sub`, `aud`, `azp`, `iss`, `exp`, `nbf`,
/// `iat`. The first failure wins.
pub(crate) fn check_registered(
    claims: &Registered<'_>,
    options: &VerifyOptions,
    now: i64,
) -> Result<(), VerifyError> {
    let leeway = options.leeway_secs();
    let context = || ErrorContext {
        exp: match claims.exp {
            Claim::Present(exp) => Some(exp),
            _ => None,
        },
        nbf: match claims.nbf {
            Claim::Present(nbf) => Some(nbf),
            _ => None,
        },
        iat: match claims.iat {
            Claim::Present(iat) => Some(iat),
            _ => None,
        },
        now: Some(now),
        leeway: Some(leeway),
        ..ErrorContext::default()
    };

    if !matches!(claims.sub, Claim::Present(_)) {
        return Err(VerifyError::new(
            ReasonKind::TokenInvalidSubject,
            "The subject claim (sub) is required and must be a string.",
        ));
    }

    check_audience_with(&claims.aud, &options.audience, options.require_audience)?;

    let parties = options.authorized_parties.as_slice();
    if !parties.is_empty() {
        let allowed = matches!(claims.azp, Claim::Present(azp) if parties.iter().any(|p| p == azp));
        if !allowed {
            let found = match claims.azp {
                Claim::Present(azp) => quote(azp),
                Claim::Absent => "is missing".to_owned(),
                Claim::Invalid => "is not a string".to_owned(),
            };
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidAuthorizedParties,
                format!(
                    "The authorized party claim (azp) {found}; expected one of {}.",
                    list(parties)
                ),
            ));
        }
    }

    match &options.issuer {
        IssuerRule::Any => {}
        rule => {
            let accepted = match (claims.iss, rule) {
                (Claim::Present(iss), IssuerRule::OneOf(issuers)) => {
                    issuers.iter().any(|i| i == iss)
                }
                (Claim::Present(iss), IssuerRule::Predicate(predicate)) => predicate(iss),
                _ => false,
            };
            if !accepted {
                let found = match claims.iss {
                    Claim::Present(iss) => quote(iss),
                    Claim::Absent => "is missing".to_owned(),
                    Claim::Invalid => "is not a string".to_owned(),
                };
                let expected = match rule {
                    IssuerRule::OneOf(issuers) => format!("expected one of {}", list(issuers)),
                    _ => "it is not accepted by the configured issuer check".to_owned(),
                };
                return Err(VerifyError::new(
                    ReasonKind::TokenInvalidIssuer,
                    format!("The issuer claim (iss) {found}; {expected}."),
                ));
            }
        }
    }

    let exp = match claims.exp {
        Claim::Present(exp) => exp,
        Claim::Absent => {
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidClaims,
                "The expiry claim (exp) is required.",
            )
            .with_context(context()));
        }
        Claim::Invalid => return Err(not_a_number("expiry", "exp").with_context(context())),
    };
    if exp <= now.saturating_sub(leeway) {
        return Err(VerifyError::new(
            ReasonKind::TokenExpired,
            format!(
                "The session token expired at {} (exp {exp}); the current time is {} (now {now}, \
                 leeway {leeway} s).",
                http_date(exp),
                http_date(now)
            ),
        )
        .with_context(context()));
    }

    match claims.nbf {
        Claim::Present(nbf) if nbf > now.saturating_add(leeway) => {
            return Err(VerifyError::new(
                ReasonKind::TokenNotActiveYet,
                format!(
                    "The session token is not valid before {} (nbf {nbf}); the current time is {} \
                     (now {now}, leeway {leeway} s).",
                    http_date(nbf),
                    http_date(now)
                ),
            )
            .with_context(context()));
        }
        Claim::Invalid => return Err(not_a_number("not-before", "nbf").with_context(context())),
        _ => {}
    }

    match claims.iat {
        Claim::Present(iat) if iat > now.saturating_add(leeway) => {
            return Err(VerifyError::new(
                ReasonKind::TokenIatInTheFuture,
                format!(
                    "The session token was issued in the future, at {} (iat {iat}); the current \
                     time is {} (now {now}, leeway {leeway} s).",
                    http_date(iat),
                    http_date(now)
                ),
            )
            .with_context(context()));
        }
        Claim::Invalid => return Err(not_a_number("issued-at", "iat").with_context(context())),
        _ => {}
    }

    Ok(())
}

/// The `aud` check: with an audience configured, a string `aud` must be one of `expected` and
/// an array must contain one of them; a missing or empty `aud` is not checked (as in the
/// reference); any other type fails.
#[cfg(feature = "remote")]
pub(crate) fn check_audience(aud: &Audience<'_>, expected: &[String]) -> Result<(), VerifyError> {
    check_audience_with(aud, expected, false)
}

/// [`check_audience`], refusing a missing or empty `aud` when `required`.
pub(crate) fn check_audience_with(
    aud: &Audience<'_>,
    expected: &[String],
    required: bool,
) -> Result<(), VerifyError> {
    if expected.is_empty() {
        return Ok(());
    }
    let missing = match aud {
        Audience::Absent | Audience::One("") => true,
        Audience::Many(auds) => auds.iter().all(|a| a.is_empty()),
        _ => false,
    };
    if missing && required {
        return Err(VerifyError::new(
            ReasonKind::TokenInvalidAudience,
            format!(
                "The audience claim (aud) is missing; one of {} is required.",
                list(expected)
            ),
        ));
    }
    let accepted = match aud {
        // As in the reference, a token without an audience is not checked.
        Audience::Absent | Audience::One("") => true,
        Audience::One(aud) => expected.iter().any(|e| e == aud),
        Audience::Many(auds) if auds.iter().all(|a| a.is_empty()) => true,
        Audience::Many(auds) => auds.iter().any(|a| expected.iter().any(|e| e == a)),
        Audience::Invalid => false,
    };
    if accepted {
        return Ok(());
    }
    let found = match aud {
        Audience::One(aud) => quote(aud),
        Audience::Many(auds) => {
            let quoted: Vec<String> = auds.iter().take(8).map(|a| quote(a)).collect();
            format!("[{}]", quoted.join(", "))
        }
        _ => "is neither a string nor an array of strings".to_owned(),
    };
    Err(VerifyError::new(
        ReasonKind::TokenInvalidAudience,
        format!(
            "The audience claim (aud) {found}; expected one of {}.",
            list(expected)
        ),
    ))
}

fn not_a_number(name: &str, claim: &str) -> VerifyError {
    VerifyError::new(
        ReasonKind::TokenInvalidClaims,
        format!("The {name} claim ({claim}) must be a number of seconds since the Unix epoch."),
    )
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().take(16).map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Decodes a verified payload into [`SessionClaims`] and checks its registered claims.
///
/// One JSON pass in the common case; the lenient second pass only runs to explain a failure.
pub(crate) fn decode_session(
    payload: &[u8],
    options: &VerifyOptions,
    now: i64,
) -> Result<SessionClaims, VerifyError> {
    match serde_json::from_slice::<SessionClaims>(payload) {
        Ok(claims) => {
            check_registered(&claims.registered(), options, now)?;
            Ok(claims)
        }
        Err(err) => Err(explain(payload, options, now, &err)),
    }
}

/// Decodes a verified payload into any claims type, after checking the registered claims.
pub(crate) fn decode_custom<C: DeserializeOwned>(
    payload: &[u8],
    options: &VerifyOptions,
    now: i64,
) -> Result<C, VerifyError> {
    if !is_json_object(payload) {
        return Err(payload_not_an_object());
    }
    let lenient: LenientRegistered<'_> =
        serde_json::from_slice(payload).map_err(|_| payload_not_an_object())?;
    check_registered(&lenient.view(), options, now)?;
    serde_json::from_slice(payload).map_err(|err| claims_mismatch(&err))
}

/// The error for a payload the claims type could not be decoded from: the first registered-claim
/// failure if there is one (so the reason is the same as for a typed decode), else a description
/// of the JSON problem that does not quote the payload.
fn explain(
    payload: &[u8],
    options: &VerifyOptions,
    now: i64,
    err: &serde_json::Error,
) -> VerifyError {
    if !is_json_object(payload) {
        return payload_not_an_object();
    }
    match serde_json::from_slice::<LenientRegistered<'_>>(payload) {
        Err(_) => payload_not_an_object(),
        Ok(lenient) => match check_registered(&lenient.view(), options, now) {
            Err(check) => check,
            Ok(()) => claims_mismatch(err),
        },
    }
}

/// Whether the payload starts like a JSON object (serde would also read a struct from an array).
fn is_json_object(payload: &[u8]) -> bool {
    payload.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn payload_not_an_object() -> VerifyError {
    VerifyError::new(
        ReasonKind::TokenMalformed,
        "Invalid JWT form. The payload is not a JSON object.",
    )
}

fn claims_mismatch(err: &serde_json::Error) -> VerifyError {
    VerifyError::new(
        ReasonKind::TokenInvalidClaims,
        format!(
            "The session token's claims do not have the expected types (JSON line {}, column {}).",
            err.line(),
            err.column()
        ),
    )
}

/// The registered claims, decoded without failing on wrong types, so a failure can be reported
/// with the same reason the reference gives.
#[derive(serde::Deserialize)]
struct LenientRegistered<'a> {
    #[serde(borrow, default)]
    sub: LenientStr<'a>,
    #[serde(borrow, default)]
    aud: LenientAud<'a>,
    #[serde(borrow, default)]
    azp: LenientStr<'a>,
    #[serde(borrow, default)]
    iss: LenientStr<'a>,
    #[serde(default)]
    exp: LenientTime,
    #[serde(default)]
    nbf: LenientTime,
    #[serde(default)]
    iat: LenientTime,
}

impl LenientRegistered<'_> {
    fn view(&self) -> Registered<'_> {
        fn text<'r>(claim: &'r LenientStr<'_>) -> Claim<&'r str> {
            match &claim.0 {
                Claim::Absent => Claim::Absent,
                Claim::Present(s) => Claim::Present(s.as_str()),
                Claim::Invalid => Claim::Invalid,
            }
        }
        Registered {
            sub: text(&self.sub),
            aud: match &self.aud.0 {
                LenientAudValue::Absent => Audience::Absent,
                LenientAudValue::One(s) => Audience::One(s.as_str()),
                LenientAudValue::Many(items) => {
                    Audience::Many(items.iter().map(Str::as_str).collect())
                }
                LenientAudValue::Invalid => Audience::Invalid,
            },
            azp: text(&self.azp),
            iss: text(&self.iss),
            exp: self.exp.0,
            nbf: self.nbf.0,
            iat: self.iat.0,
        }
    }
}

#[derive(Default)]
struct LenientStr<'a>(Claim<Str<'a>>);

#[derive(Default)]
struct LenientTime(Claim<i64>);

#[derive(Default)]
struct LenientAud<'a>(LenientAudValue<'a>);

#[derive(Default)]
enum LenientAudValue<'a> {
    #[default]
    Absent,
    One(Str<'a>),
    Many(Vec<Str<'a>>),
    Invalid,
}

/// Consumes a sequence or map so a visitor can report "wrong type" instead of failing.
fn skip_seq<'de, A: de::SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: de::MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

macro_rules! invalid_scalars {
    ($value:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            skip_map(map)?;
            Ok($value)
        }
    };
}

macro_rules! invalid_numbers {
    ($value:expr) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

macro_rules! invalid_strings {
    ($value:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LenientStr<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientStr(Claim::Present(Str(v.into()))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientStr(Claim::Present(Str(v.to_owned().into()))))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                skip_seq(seq)?;
                Ok(LenientStr(Claim::Invalid))
            }
            invalid_scalars!(LenientStr(Claim::Invalid));
            invalid_numbers!(LenientStr(Claim::Invalid));
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for LenientTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LenientTime, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientTime, E> {
                Ok(LenientTime(Claim::Present(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientTime, E> {
                Ok(LenientTime(Claim::Present(
                    i64::try_from(v).unwrap_or(i64::MAX),
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LenientTime, E> {
                Ok(LenientTime(Claim::Present(
                    crate::claims::seconds_from_f64(v),
                )))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<LenientTime, A::Error> {
                skip_seq(seq)?;
                Ok(LenientTime(Claim::Invalid))
            }
            invalid_scalars!(LenientTime(Claim::Invalid));
            invalid_strings!(LenientTime(Claim::Invalid));
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientAud<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LenientAud<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientAud<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientAud(LenientAudValue::One(Str(v.into()))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientAud(LenientAudValue::One(Str(v.to_owned().into()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientAud(LenientAudValue::Absent))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientAud(LenientAudValue::Absent))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                let mut all_strings = true;
                while let Some(item) = seq.next_element::<LenientStr<'de>>()? {
                    match item.0 {
                        Claim::Present(s) if all_strings => items.push(s),
                        _ => all_strings = false,
                    }
                }
                Ok(LenientAud(if all_strings {
                    LenientAudValue::Many(items)
                } else {
                    LenientAudValue::Invalid
                }))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientAud(LenientAudValue::Invalid))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map)?;
                Ok(LenientAud(LenientAudValue::Invalid))
            }
            invalid_numbers!(LenientAud(LenientAudValue::Invalid));
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(json: &str) -> Registered<'static> {
        let leaked: &'static str = Box::leak(json.to_owned().into_boxed_str());
        let parsed: &'static LenientRegistered<'static> =
            Box::leak(Box::new(serde_json::from_str(leaked).expect("object")));
        parsed.view()
    }

    #[test]
    fn lenient_view_reports_types() {
        let r = lenient(
            r#"{"sub":"user_1","aud":["a","b"],"azp":5,"iss":null,"exp":1.9,"nbf":"x","iat":[1],
                "other":{"deep":[1,{"x":2}]}}"#,
        );
        assert_eq!(r.sub, Claim::Present("user_1"));
        assert_eq!(r.aud, Audience::Many(vec!["a", "b"]));
        assert_eq!(r.azp, Claim::Invalid);
        assert_eq!(r.iss, Claim::Invalid);
        assert_eq!(r.exp, Claim::Present(1));
        assert_eq!(r.nbf, Claim::Invalid);
        assert_eq!(r.iat, Claim::Invalid);

        let r = lenient(r#"{"aud":["a",1],"sub":{"a":1}}"#);
        assert_eq!(r.aud, Audience::Invalid);
        assert_eq!(r.sub, Claim::Invalid);
        assert_eq!(r.exp, Claim::Absent);

        let r = lenient(r#"{"aud":null,"sub":"a\nb","exp":18446744073709551615}"#);
        assert_eq!(r.aud, Audience::Absent);
        assert_eq!(r.sub, Claim::Present("a\nb"));
        assert_eq!(r.exp, Claim::Present(i64::MAX));
    }
}
