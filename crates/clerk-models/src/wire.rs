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
