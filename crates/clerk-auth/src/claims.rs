//! The claims of a Clerk session token, versions 1 and 2.
//!
//! Version 2 tokens (`"v": 2`) carry the active organization compactly in `o`
//! (`{id, rol, slg, per, fpm}`) and the features in `fea`; organization permissions are derived
//! from them by [`SessionClaims::org_permissions`]. Version 1 tokens carry `org_id`, `org_role`,
//! `org_slug` and `org_permissions` directly. The accessors on [`SessionClaims`] hide the
//! difference.
//!
//! Every claim except `sub` and `exp` may be absent; claims this crate does not know, such as
//! those a session-token template adds, are kept in [`SessionClaims::extra`]. For a fully typed
//! custom payload use [`Verifier::verify_as`](crate::Verifier::verify_as).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::jwt::{Audience, Claim, Registered};

/// The claims of a verified Clerk session token.
///
/// ```
/// use clerk_auth::SessionClaims;
///
/// let claims: SessionClaims = serde_json::from_str(r#"{
///     "sub": "user_2abc", "sid": "sess_2def", "exp": 1700000060, "v": 2,
///     "o": {"id": "org_1", "rol": "admin", "slg": "acme", "per": "read,manage", "fpm": "3"},
///     "fea": "o:dashboard,u:profile",
///     "tenant": "eu-1"
/// }"#)?;
/// assert_eq!(claims.org_role().as_deref(), Some("org:admin"));
/// assert_eq!(
///     claims.org_permissions(),
///     Some(vec!["org:dashboard:read".to_owned(), "org:dashboard:manage".to_owned()])
/// );
/// assert_eq!(claims.extra["tenant"], "eu-1");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionClaims {
    /// Subject: the user id (`user_…`).
    pub sub: String,
    /// Session id (`sess_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Issuer: the instance's Frontend API URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Authorized party: the origin of the frontend the token was minted for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Expiry, in Unix seconds.
    #[serde(deserialize_with = "numeric_date")]
    pub exp: i64,
    /// Not before, in Unix seconds.
    #[serde(
        default,
        deserialize_with = "optional_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub nbf: Option<i64>,
    /// Issued at, in Unix seconds.
    #[serde(
        default,
        deserialize_with = "optional_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub iat: Option<i64>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Claims version: `Some(2)` for version 2 tokens; absent (or anything but the number 2) means
    /// version 1. Non-numeric values read as `None`.
    #[serde(
        default,
        deserialize_with = "lenient_version",
        skip_serializing_if = "Option::is_none"
    )]
    pub v: Option<i64>,

    /// Version 1: active organization id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Version 1: role in the active organization, already `org:`-prefixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_role: Option<String>,
    /// Version 1: active organization slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_slug: Option<String>,
    /// Version 1: permissions in the active organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_permissions: Option<Vec<String>>,

    /// Version 2: the active organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o: Option<OrgClaims>,
    /// Features, comma-separated `scope:name` entries (scope `o`, `u`, `ou` or `uo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fea: Option<String>,
    /// Plans, in the same format as `fea`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pla: Option<String>,
    /// Factor verification age: minutes since the first and the second factor were last verified,
    /// `-1` for a factor that is not enabled. Read as `None` unless it is an array of two integral
    /// numbers.
    #[serde(
        default,
        deserialize_with = "lenient_factor_ages",
        skip_serializing_if = "Option::is_none"
    )]
    pub fva: Option<[i64; 2]>,
    /// Session status: `active` or `pending` (pending sessions still have tasks to complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sts: Option<String>,
    /// The actor, when the session is an impersonation (or agent) session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,

    /// Every other claim (`aud`, custom template claims, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The active organization in a version 2 session token (`o`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrgClaims {
    /// Organization id (`org_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Role, without the `org:` prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rol: Option<String>,
    /// Slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slg: Option<String>,
    /// Permission names, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Feature-permission map: one comma-separated decimal bitmap per organization feature in
    /// `fea`; bit `i` (least significant first) grants permission `i` of `per`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpm: Option<String>,
}

/// Who is acting on the user's behalf (`act`), for impersonation and agent sessions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Actor {
    /// The actor's id (the impersonating user, or the agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The actor type, such as `agent`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub actor_type: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionClaims {
    /// Whether these are version 2 claims (`"v": 2`).
    pub fn is_v2(&self) -> bool {
        self.v == Some(2)
    }

    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.sub
    }

    /// The session id (`sid`).
    pub fn session_id(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The session status (`sts`).
    pub fn session_status(&self) -> Option<&str> {
        self.sts.as_deref()
    }

    /// Whether the session is pending (`sts` is `pending`): signed in, with tasks left to
    /// complete.
    pub fn is_pending(&self) -> bool {
        self.sts.as_deref() == Some("pending")
    }

    /// The active organization id: `o.id` (version 2) or `org_id` (version 1).
    pub fn org_id(&self) -> Option<&str> {
        if self.is_v2() {
            self.o.as_ref().and_then(|o| o.id.as_deref())
        } else {
            self.org_id.as_deref()
        }
    }

    /// The active organization slug: `o.slg` (version 2) or `org_slug` (version 1).
    pub fn org_slug(&self) -> Option<&str> {
        if self.is_v2() {
            self.o.as_ref().and_then(|o| o.slg.as_deref())
        } else {
            self.org_slug.as_deref()
        }
    }

    /// The role in the active organization, `org:`-prefixed: `"org:" + o.rol` (version 2, when
    /// `rol` is non-empty) or `org_role` as given (version 1).
    pub fn org_role(&self) -> Option<Cow<'_, str>> {
        if self.is_v2() {
            self.o
                .as_ref()
                .and_then(|o| o.rol.as_deref())
                .filter(|rol| !rol.is_empty())
                .map(|rol| Cow::Owned(format!("org:{rol}")))
        } else {
            self.org_role.as_deref().map(Cow::Borrowed)
        }
    }

    /// The permissions in the active organization, as `org:<feature>:<permission>` strings.
    ///
    /// Version 1: `org_permissions` as given. Version 2: `None` without `o`; otherwise decoded
    /// from `fea`, `o.per` and `o.fpm` as `@clerk/shared` does: the organization features are the
    /// `fea` entries with scope `o`, `ou` or `uo`, in order; the `k`-th entry of `fpm` is a decimal
    /// bitmap for the `k`-th organization feature, and bit `i` (least significant first) grants
    /// the `i`-th permission of `per`. Missing `per` or `fpm` yields an empty list, as do bitmap
    /// entries that are not plain decimal digits. Where `@clerk/backend` throws (a `fea` entry
    /// without `:`), this yields an empty list.
    pub fn org_permissions(&self) -> Option<Vec<String>> {
        if self.is_v2() {
            let o = self.o.as_ref()?;
            Some(build_org_permissions(
                self.fea.as_deref(),
                o.per.as_deref(),
                o.fpm.as_deref(),
            ))
        } else {
            self.org_permissions.clone()
        }
    }

    /// The factor verification age (`fva`).
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        self.fva
    }

    /// The actor (`act`).
    pub fn actor(&self) -> Option<&Actor> {
        self.act.as_ref()
    }

    /// The registered claims, for the verifier's checks.
    pub(crate) fn registered(&self) -> Registered<'_> {
        Registered {
            sub: Claim::Present(self.sub.as_str()),
            aud: Audience::from_json(self.extra.get("aud")),
            azp: Claim::from_option(self.azp.as_deref()),
            iss: Claim::from_option(self.iss.as_deref()),
            exp: Claim::Present(self.exp),
            nbf: Claim::from_option(self.nbf),
            iat: Claim::from_option(self.iat),
        }
    }
}

/// Feature or plan names split by scope, as `@clerk/shared`'s `splitByScope` does.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ScopedNames<'a> {
    pub(crate) org: Vec<&'a str>,
    pub(crate) user: Vec<&'a str>,
}

/// A `fea`/`pla` entry without a `:`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MissingScope;

/// Splits a `fea`/`pla` claim: comma-separated, each entry trimmed and split at its first `:`;
/// scope `o` → organization, `u` → user, `ou`/`uo` → both, anything else ignored. An entry without
/// `:` (including an empty one) is an error.
pub(crate) fn split_by_scope(claim: &str) -> Result<ScopedNames<'_>, MissingScope> {
    let mut names = ScopedNames::default();
    if claim.is_empty() {
        return Ok(names);
    }
    for part in claim.split(',') {
        let (scope, value) = part.trim().split_once(':').ok_or(MissingScope)?;
        match scope {
            "o" => names.org.push(value),
            "u" => names.user.push(value),
            "ou" | "uo" => {
                names.org.push(value);
                names.user.push(value);
            }
            _ => {}
        }
    }
    Ok(names)
}

fn build_org_permissions(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> Vec<String> {
    let Ok(features) = split_by_scope(fea.unwrap_or("")) else {
        return Vec::new();
    };
    let (Some(per), Some(fpm)) = (
        per.filter(|per| !per.is_empty()),
        fpm.filter(|fpm| !fpm.is_empty()),
    ) else {
        return Vec::new();
    };
    let permissions: Vec<&str> = per.split(',').map(str::trim).collect();
    let mut granted = Vec::new();
    for (feature, bitmap) in features.org.iter().zip(fpm.split(',')) {
        let bits = decimal_low_bits(bitmap.trim(), permissions.len());
        for (permission, _) in permissions.iter().zip(&bits).filter(|(_, set)| **set) {
            granted.push(format!("org:{feature}:{permission}"));
        }
    }
    granted
}

/// The lowest `count` bits of a non-negative decimal integer of any length, least significant
/// first. Anything but ASCII digits yields no bits.
fn decimal_low_bits(decimal: &str, count: usize) -> Vec<bool> {
    if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    if count <= 128 {
        // Wrapping arithmetic is exact modulo 2^128, which is all the low 128 bits need.
        let value = decimal.bytes().fold(0u128, |acc, b| {
            acc.wrapping_mul(10).wrapping_add(u128::from(b - b'0'))
        });
        return (0..count).map(|i| (value >> i) & 1 == 1).collect();
    }
    // Schoolbook halving of the decimal digits, one bit per pass.
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
    let mut bits = Vec::with_capacity(count);
    while bits.len() < count {
        let mut remainder = 0u8;
        for digit in &mut digits {
            let value = remainder * 10 + *digit;
            *digit = value / 2;
            remainder = value % 2;
        }
        bits.push(remainder == 1);
    }
    bits
}

/// `v` floored to whole seconds and clamped to the `i64` range.
pub(crate) fn seconds_from_f64(v: f64) -> i64 {
    // `as` saturates at the i64 bounds (JSON numbers are never NaN).
    v.floor() as i64
}

/// A JSON number (integer or not) as whole seconds.
struct NumericDate;

impl Visitor<'_> for NumericDate {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of seconds since the Unix epoch")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        Ok(i64::try_from(v).unwrap_or(i64::MAX))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Ok(seconds_from_f64(v))
    }
}

fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(NumericDate)
}

fn optional_numeric_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    // Present means a number: `null` is as wrong as a string (the reference requires a number).
    deserializer.deserialize_any(NumericDate).map(Some)
}

/// Reads any JSON value, keeping it only if it is an integral number.
struct IntegralOrNothing;

impl<'de> Visitor<'de> for IntegralOrNothing {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<i64>, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<i64>, E> {
        Ok(i64::try_from(v).ok())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<i64>, E> {
        let floored = v.floor();
        Ok((floored == v && floored.abs() < 9.0e15).then_some(floored as i64))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<i64>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Option<i64>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn lenient_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_any(IntegralOrNothing)
}

fn lenient_factor_ages<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<[i64; 2]>, D::Error> {
    struct FactorAges;

    impl<'de> Visitor<'de> for FactorAges {
        type Value = Option<[i64; 2]>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut ages = [0i64; 2];
            let mut len = 0usize;
            let mut valid = true;
            while let Some(age) = seq.next_element_seed(AnyAsIntegral)? {
                match (age, ages.get_mut(len)) {
                    (Some(age), Some(slot)) => *slot = age,
                    _ => valid = false,
                }
                len += 1;
            }
            Ok((valid && len == 2).then_some(ages))
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    struct AnyAsIntegral;

    impl<'de> de::DeserializeSeed<'de> for AnyAsIntegral {
        type Value = Option<i64>;

        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Option<i64>, D::Error> {
            deserializer.deserialize_any(IntegralOrNothing)
        }
    }

    deserializer.deserialize_any(FactorAges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_bits_match_long_division() {
        let big = "340282366920938463463374607431768211457"; // 2^128 + 1
        let fast = decimal_low_bits(big, 128);
        let slow = decimal_low_bits(big, 130);
        assert_eq!(&slow[..128], &fast[..]);
        assert!(slow[0] && slow[128] && !slow[129]);
        assert_eq!(slow.iter().filter(|b| **b).count(), 2);
        assert_eq!(decimal_low_bits("5", 4), vec![true, false, true, false]);
        assert_eq!(decimal_low_bits("0005", 3), vec![true, false, true]);
        assert!(decimal_low_bits("-5", 3).is_empty());
        assert!(decimal_low_bits("5a", 3).is_empty());
        assert!(decimal_low_bits("", 3).is_empty());
        assert!(
            decimal_low_bits("٣", 3).is_empty(),
            "only ASCII digits count"
        );
    }

    proptest::proptest! {
        // proptest for its shrinking: a failure is reported with the smallest number and bit
        // count that still disagree.

        /// Against `u128` arithmetic, on both paths (up to 128 bits, and the long division
        /// beyond), with leading zeros.
        #[test]
        fn low_bits_match_u128(value: u128, zeros in 0usize..4, count in 0usize..200) {
            let decimal = format!("{}{value}", "0".repeat(zeros));
            let expected: Vec<bool> =
                (0..count).map(|i| i < 128 && (value >> i) & 1 == 1).collect();
            proptest::prop_assert_eq!(decimal_low_bits(&decimal, count), expected);
        }

        /// Numbers past `u128`: the fast path (exact modulo 2^128) and the long division agree
        /// on the low 128 bits.
        #[test]
        fn long_numbers_agree_on_both_paths(decimal in "[1-9][0-9]{38,80}", extra in 1usize..64) {
            let fast = decimal_low_bits(&decimal, 128);
            let slow = decimal_low_bits(&decimal, 128 + extra);
            proptest::prop_assert_eq!(&slow[..128], &fast[..]);
        }

        /// Anything that is not only ASCII digits has no bits.
        #[test]
        fn non_digits_have_no_bits(text in "[0-9]{0,5}[^0-9][0-9]{0,5}", count in 0usize..200) {
            proptest::prop_assert!(decimal_low_bits(&text, count).is_empty());
        }
    }

    #[test]
    fn split_by_scope_follows_the_reference() {
        let names = split_by_scope("o:a, u:b ,ou:c,uo:d,x:e,o:f:g").expect("valid");
        assert_eq!(names.org, vec!["a", "c", "d", "f:g"]);
        assert_eq!(names.user, vec!["b", "c", "d"]);
        assert_eq!(split_by_scope(""), Ok(ScopedNames::default()));
        assert_eq!(split_by_scope("o:a,"), Err(MissingScope));
        assert_eq!(split_by_scope("dashboard"), Err(MissingScope));
    }

    #[test]
    fn numbers_and_ages_are_tolerant() {
        let claims: SessionClaims =
            serde_json::from_str(r#"{"sub":"u","exp":1.5e9,"iat":10.7,"v":2.0,"fva":[3,-1]}"#)
                .expect("claims");
        assert_eq!(claims.exp, 1_500_000_000);
        assert_eq!(claims.iat, Some(10));
        assert_eq!(claims.v, Some(2));
        assert_eq!(claims.fva, Some([3, -1]));
        for fva in [
            r#"[1]"#,
            r#"[1,2,3]"#,
            r#"[1,"2"]"#,
            r#"[1.5,2]"#,
            r#""x""#,
            "null",
            "{}",
        ] {
            let json = format!(r#"{{"sub":"u","exp":1,"fva":{fva},"v":"2"}}"#);
            let claims: SessionClaims = serde_json::from_str(&json).expect("claims");
            assert_eq!(claims.fva, None, "{fva}");
            assert_eq!(claims.v, None);
        }
        assert!(serde_json::from_str::<SessionClaims>(r#"{"sub":"u","exp":"1"}"#).is_err());
        assert!(
            serde_json::from_str::<SessionClaims>(r#"{"sub":"u","exp":1,"nbf":null}"#).is_err()
        );
    }
}
