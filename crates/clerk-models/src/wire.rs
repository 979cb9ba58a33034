//! Serialization details the generated request bodies rely on.
//!
//! The `number` fields that stay `f64` (percentages) go out as integers when whole (`25`, not
//! `25.0`), which a server decoding into an integer accepts; anything else is sent unchanged.
//!
//! Counts, durations and timestamps the spec types as `number` are integers in Rust; [`whole`]
//! and [`opt_whole`] decode them from any JSON number with no fractional part (`1700000000000`
//! or `1700000000000.0`), so a server that writes them as floats still decodes.
//!
//! Request objects whose schema allows additional properties (the actor-token `actor`) carry an
//! `extra` map flattened beside their declared fields; [`extra_members`] sends it without any
//! member that would repeat a declared field's key.

use serde::Serializer;
use serde_json::{Map, Value};

/// The members of an `extra` map, minus those named like a declared field (`declared`): the
/// declared field wins, so the JSON object never carries a key twice.
pub fn extra_members<S: Serializer>(
    extra: &Map<String, Value>,
    declared: &[&str],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(
        extra
            .iter()
            .filter(|(key, _)| !declared.contains(&key.as_str())),
    )
}

/// Whole numbers within ±2^53 as integers, anything else as a float.
pub fn number<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact in f64
    if value.fract() == 0.0 && value.abs() <= EXACT {
        #[allow(clippy::cast_possible_truncation)]
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// [`number`] for an optional field (`None` is skipped by the field's attributes). The generator
/// emits it for optional non-nullable `number` fields; the current spec has none.
#[allow(dead_code)]
pub fn opt_number<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => number(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// [`number`] for an optional, nullable field: `Some(None)` is an explicit `null`. Like
/// [`opt_number`], emitted only when the spec has such a field (a nullable percentage).
#[allow(dead_code)]
pub fn opt_opt_number<S: Serializer>(
    value: &Option<Option<f64>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(Some(v)) => number(v, serializer),
        _ => serializer.serialize_none(),
    }
}

/// An integer from a JSON number without a fractional part (integers beyond `i64` and
/// fractional numbers are errors).
pub fn whole<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    crate::timestamp::whole_number(deserializer)
}

/// [`whole`] for an optional or nullable field: `null` is `None`.
pub fn opt_whole<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_option(OptWholeVisitor)
}

struct OptWholeVisitor;

impl<'de> serde::de::Visitor<'de> for OptWholeVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        whole(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize)]
    struct Body {
        #[serde(serialize_with = "super::number")]
        a: f64,
        #[serde(serialize_with = "super::opt_number")]
        b: Option<f64>,
        #[serde(serialize_with = "super::opt_opt_number")]
        c: Option<Option<f64>>,
    }

    #[test]
    fn whole_numbers_go_out_as_integers() {
        let body = Body {
            a: 3600.0,
            b: Some(1.5),
            c: Some(None),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":3600,"b":1.5,"c":null}"#
        );
        let body = Body {
            a: -2.0,
            b: Some(1e300),
            c: Some(Some(7.0)),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":-2,"b":1e+300,"c":7}"#
        );
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Times {
        #[serde(deserialize_with = "super::whole")]
        at: i64,
        #[serde(default, deserialize_with = "super::opt_whole")]
        until: Option<i64>,
    }

    #[test]
    fn whole_numbers_decode_from_integers_and_whole_floats() {
        let t: Times = serde_json::from_str(r#"{"at":1700000000000,"until":1.7e12}"#).unwrap();
        assert_eq!(
            t,
            Times {
                at: 1_700_000_000_000,
                until: Some(1_700_000_000_000)
            }
        );
        let t: Times = serde_json::from_str(r#"{"at":-5.0,"until":null}"#).unwrap();
        assert_eq!(t.at, -5);
        assert_eq!(t.until, None);
        let t: Times = serde_json::from_str(r#"{"at":0}"#).unwrap();
        assert_eq!(t.until, None);
        for bad in [
            r#"{"at":1.5}"#,
            r#"{"at":"1"}"#,
            r#"{"at":18446744073709551615}"#,
            r#"{"at":1e300}"#,
        ] {
            assert!(serde_json::from_str::<Times>(bad).is_err(), "{bad}");
        }
    }
}
