//! Serialization details the generated request bodies rely on.
//!
//! The spec types some integer-valued fields as `number` (`seconds_until_expiration`, …), so they
//! are `f64` in Rust. serde_json would send `3600.0`, which a server decoding into an integer
//! rejects; these helpers send whole numbers as integers (`3600`) and anything else unchanged.
//!
//! Request objects whose schema allows additional properties (the actor-token `actor`) carry an
//! `extra` map flattened beside their declared fields; [`extra_members`] sends it without any
//! member that would repeat a declared field's key.

use serde::Serializer;
use serde_json::{Map, Value};

/// The members of an `extra` map, minus those named like a declared field (`declared`): the
/// declared field wins, so the JSON object never carries a key twice.
pub(crate) fn extra_members<S: Serializer>(
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
pub(crate) fn number<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
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
pub(crate) fn opt_number<S: Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => number(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// [`number`] for an optional, nullable field: `Some(None)` is an explicit `null`.
pub(crate) fn opt_opt_number<S: Serializer>(
    value: &Option<Option<f64>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(Some(v)) => number(v, serializer),
        _ => serializer.serialize_none(),
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
}
