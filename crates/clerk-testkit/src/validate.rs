//! Request validation against declarative field tables (transcribed from the spec; a test checks
//! every table against `bapi-2026-05-12.yml`).
//!
//! Bodies: unknown members are refused with `form_param_unknown` unless the table allows extra
//! members; missing required members give `form_param_missing`; a member of the wrong JSON type
//! `form_param_format_invalid`; an enum value outside the list or a number outside its range
//! `form_param_value_invalid`. Queries get the same checks, with values parsed from text.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// The type of a body member or query parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Ty {
    /// A string.
    Str,
    /// A boolean (`true`/`false` in queries).
    Bool,
    /// An integer.
    Int,
    /// Any number.
    Num,
    /// A JSON object.
    Obj,
    /// Anything.
    Any,
    /// An array of strings (a repeated key in queries).
    StrArr,
    /// A string from the list.
    Enum(&'static [&'static str]),
    /// An array of strings from the list (a repeated key in queries).
    EnumArr(&'static [&'static str]),
    /// An object with these members (extra members allowed when the flag is set).
    Nested(&'static [Field], bool),
}

/// One body member or query parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) nullable: bool,
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
}

impl Field {
    /// An optional, non-nullable member.
    pub(crate) const fn opt(name: &'static str, ty: Ty) -> Field {
        Field {
            name,
            ty,
            required: false,
            nullable: false,
            min: None,
            max: None,
        }
    }

    /// A required, non-nullable member.
    pub(crate) const fn req(name: &'static str, ty: Ty) -> Field {
        Field {
            required: true,
            ..Field::opt(name, ty)
        }
    }

    /// Allows `null`.
    pub(crate) const fn null(self) -> Field {
        Field {
            nullable: true,
            ..self
        }
    }

    /// Bounds a number (inclusive).
    pub(crate) const fn range(self, min: i64, max: i64) -> Field {
        Field {
            min: Some(min),
            max: Some(max),
            ..self
        }
    }

    /// Lower bound of a number (inclusive).
    pub(crate) const fn min(self, min: i64) -> Field {
        Field {
            min: Some(min),
            ..self
        }
    }
}

/// What an operation accepts as a body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BodySpec {
    /// No body (one that is sent anyway is ignored, as `@clerk/backend` sends none).
    None,
    /// A JSON object with these members; `true` allows members beyond them.
    Object(&'static [Field], bool),
    /// A JSON array of objects with these members.
    Array(&'static [Field]),
    /// `multipart/form-data` with a `file` part.
    Multipart,
}

/// Checks a JSON object against `fields`.
pub(crate) fn check_object(
    object: &Map<String, Value>,
    fields: &[Field],
    allow_extra: bool,
    prefix: &str,
) -> Result<(), ApiError> {
    if !allow_extra {
        for key in object.keys() {
            if !fields.iter().any(|f| f.name == key) {
                return Err(ApiError::param_unknown(&join(prefix, key)));
            }
        }
    }
    for field in fields {
        match object.get(field.name) {
            None => {
                if field.required {
                    return Err(ApiError::param_missing(&join(prefix, field.name)));
                }
            }
            Some(Value::Null) => {
                if !field.nullable && !matches!(field.ty, Ty::Any) {
                    return Err(ApiError::format_invalid(
                        &join(prefix, field.name),
                        format!("{} must not be null.", join(prefix, field.name)),
                    ));
                }
            }
            Some(value) => check_value(value, field, prefix)?,
        }
    }
    Ok(())
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn check_value(value: &Value, field: &Field, prefix: &str) -> Result<(), ApiError> {
    let name = join(prefix, field.name);
    let wrong = |what: &str| ApiError::format_invalid(&name, format!("{name} must be {what}."));
    match field.ty {
        Ty::Any => Ok(()),
        Ty::Str => value.as_str().map(|_| ()).ok_or_else(|| wrong("a string")),
        Ty::Bool => value
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| wrong("a boolean")),
        Ty::Obj => value
            .as_object()
            .map(|_| ())
            .ok_or_else(|| wrong("an object")),
        Ty::Int => {
            let n = integral(value).ok_or_else(|| wrong("an integer"))?;
            check_range(&name, n as f64, field)
        }
        Ty::Num => {
            let n = value.as_f64().ok_or_else(|| wrong("a number"))?;
            check_range(&name, n, field)
        }
        Ty::StrArr => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong("an array of strings"))?;
            if items.iter().all(Value::is_string) {
                Ok(())
            } else {
                Err(wrong("an array of strings"))
            }
        }
        Ty::Enum(allowed) => {
            let s = value.as_str().ok_or_else(|| wrong("a string"))?;
            check_enum(&name, s, allowed)
        }
        Ty::EnumArr(allowed) => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong("an array of strings"))?;
            for item in items {
                let s = item.as_str().ok_or_else(|| wrong("an array of strings"))?;
                check_enum(&name, s, allowed)?;
            }
            Ok(())
        }
        Ty::Nested(fields, allow_extra) => {
            let object = value.as_object().ok_or_else(|| wrong("an object"))?;
            check_object(object, fields, allow_extra, &name)
        }
    }
}

fn integral(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    let f = value.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

fn check_range(name: &str, n: f64, field: &Field) -> Result<(), ApiError> {
    if let Some(min) = field.min {
        if n < min as f64 {
            return Err(ApiError::value_invalid(
                name,
                format!("{name} must be greater than or equal to {min}."),
            ));
        }
    }
    if let Some(max) = field.max {
        if n > max as f64 {
            return Err(ApiError::value_invalid(
                name,
                format!("{name} must be less than or equal to {max}."),
            ));
        }
    }
    Ok(())
}

fn check_enum(name: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::value_invalid(
            name,
            format!("{name} must be one of: {}.", allowed.join(", ")),
        ))
    }
}

// ---- queries ----------------------------------------------------------------------------------

/// A parsed, validated query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `raw` (`a=1&b=x%20y&b=z`) and checks it against `fields`. Unknown parameters are
    /// refused.
    pub(crate) fn parse(raw: Option<&str>, fields: &[Field]) -> Result<Query, ApiError> {
        let pairs = parse_pairs(raw.unwrap_or(""));
        for (name, value) in &pairs {
            let Some(field) = fields.iter().find(|f| f.name == name) else {
                return Err(ApiError::param_unknown(name));
            };
            check_query_value(field, value)?;
            if !matches!(field.ty, Ty::StrArr | Ty::EnumArr(_))
                && pairs.iter().filter(|(n, _)| n == name).count() > 1
            {
                return Err(ApiError::format_invalid(
                    name,
                    format!("{name} must be given at most once."),
                ));
            }
        }
        for field in fields.iter().filter(|f| f.required) {
            if !pairs.iter().any(|(n, _)| n == field.name) {
                return Err(ApiError::param_missing(field.name));
            }
        }
        Ok(Query { pairs })
    }

    /// The value of a single-valued parameter.
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated parameter (empty when absent).
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// An integer parameter (validated by [`Query::parse`]).
    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        self.str(name)
            .and_then(parse_query_number)
            .map(|n| n as i64)
    }

    /// A boolean parameter (validated by [`Query::parse`]).
    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        self.str(name).and_then(parse_bool)
    }

    /// `limit` (default 10) and `offset` (default 0).
    pub(crate) fn page(&self) -> (usize, usize) {
        let limit = self.int("limit").unwrap_or(10).max(0);
        let offset = self.int("offset").unwrap_or(0).max(0);
        (
            usize::try_from(limit).unwrap_or(usize::MAX),
            usize::try_from(offset).unwrap_or(usize::MAX),
        )
    }

    /// Whether `paginated=true` asks for the `{data, total_count}` form.
    pub(crate) fn paginated(&self) -> bool {
        self.bool("paginated").unwrap_or(false)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn parse_query_number(value: &str) -> Option<f64> {
    let n: f64 = value.trim().parse().ok()?;
    n.is_finite().then_some(n)
}

fn check_query_value(field: &Field, value: &str) -> Result<(), ApiError> {
    let name = field.name;
    let wrong = |what: &str| ApiError::format_invalid(name, format!("{name} must be {what}."));
    match field.ty {
        Ty::Str | Ty::StrArr | Ty::Any => Ok(()),
        Ty::Bool => parse_bool(value)
            .map(|_| ())
            .ok_or_else(|| wrong("true or false")),
        Ty::Int => {
            let n = value.parse::<i64>().map_err(|_| wrong("an integer"))?;
            check_range(name, n as f64, field)
        }
        Ty::Num => {
            let n = parse_query_number(value).ok_or_else(|| wrong("a number"))?;
            check_range(name, n, field)
        }
        Ty::Enum(allowed) | Ty::EnumArr(allowed) => check_enum(name, value, allowed),
        Ty::Obj | Ty::Nested(..) => Err(wrong("a value")),
    }
}

/// Splits a query string into decoded pairs (`+` is a space, `%XX` a byte).
pub(crate) fn parse_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(name, true), decode_component(value, true))
        })
        .collect()
}

/// Percent-decodes `raw` (and `+` as a space when `plus_is_space`), replacing invalid UTF-8.
pub(crate) fn decode_component(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

// ---- reading validated bodies -------------------------------------------------------------------

/// Typed reads of a validated JSON object.
pub(crate) trait BodyExt {
    /// A string member (`None` when absent or null).
    fn str_of(&self, name: &str) -> Option<&str>;
    /// A string member that may be set to null: `None` absent, `Some(None)` null.
    fn nullable_str(&self, name: &str) -> Option<Option<String>>;
    /// A boolean member (`None` when absent or null).
    fn bool_of(&self, name: &str) -> Option<bool>;
    /// An integer member (`None` when absent or null).
    fn int_of(&self, name: &str) -> Option<i64>;
    /// A string-array member (empty when absent or null).
    fn strs_of(&self, name: &str) -> Vec<String>;
    /// An object member (`None` when absent or null).
    fn obj_of(&self, name: &str) -> Option<&Map<String, Value>>;
    /// Whether the member is present (even if null).
    fn has(&self, name: &str) -> bool;
}

impl BodyExt for Map<String, Value> {
    fn str_of(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    fn nullable_str(&self, name: &str) -> Option<Option<String>> {
        match self.get(name) {
            None => None,
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => Some(None),
        }
    }

    fn bool_of(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    fn int_of(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(integral)
    }

    fn strs_of(&self, name: &str) -> Vec<String> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn obj_of(&self, name: &str) -> Option<&Map<String, Value>> {
        self.get(name).and_then(Value::as_object)
    }

    fn has(&self, name: &str) -> bool {
        self.contains_key(name)
    }
}

/// The usual `limit`/`offset` query parameters (1–500, ≥ 0).
pub(crate) const PAGE: [Field; 2] = [
    Field::opt("limit", Ty::Int).range(1, 500),
    Field::opt("offset", Ty::Int).min(0),
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const FIELDS: &[Field] = &[
        Field::req("name", Ty::Str),
        Field::opt("count", Ty::Int).range(1, 10),
        Field::opt("note", Ty::Str).null(),
        Field::opt("kind", Ty::Enum(&["a", "b"])),
    ];

    fn check(v: Value) -> Result<(), String> {
        check_object(v.as_object().unwrap(), FIELDS, false, "").map_err(|e| {
            format!(
                "{}:{}",
                e.code(),
                e.errors[0].meta.param_name.clone().unwrap_or_default()
            )
        })
    }

    #[test]
    fn objects() {
        assert_eq!(check(json!({"name": "x"})), Ok(()));
        assert_eq!(
            check(json!({"name": "x", "note": null, "count": 3.0})),
            Ok(())
        );
        assert_eq!(check(json!({})), Err("form_param_missing:name".into()));
        assert_eq!(
            check(json!({"name": 1})),
            Err("form_param_format_invalid:name".into())
        );
        assert_eq!(
            check(json!({"name": "x", "count": 11})),
            Err("form_param_value_invalid:count".into())
        );
        assert_eq!(
            check(json!({"name": "x", "count": 1.5})),
            Err("form_param_format_invalid:count".into())
        );
        assert_eq!(
            check(json!({"name": "x", "kind": "c"})),
            Err("form_param_value_invalid:kind".into())
        );
        assert_eq!(
            check(json!({"name": "x", "extra": 1})),
            Err("form_param_unknown:extra".into())
        );
        assert_eq!(
            check(json!({"name": null})),
            Err("form_param_format_invalid:name".into())
        );
    }

    #[test]
    fn queries() {
        let fields = [
            Field::opt("limit", Ty::Int).range(1, 500),
            Field::opt("id", Ty::StrArr),
        ];
        let q = Query::parse(Some("limit=5&id=a%40b&id=c+d"), &fields).unwrap();
        assert_eq!(q.int("limit"), Some(5));
        assert_eq!(q.all("id"), vec!["a@b", "c d"]);
        assert_eq!(
            Query::parse(Some("limit=0"), &fields).unwrap_err().code(),
            "form_param_value_invalid"
        );
        assert_eq!(
            Query::parse(Some("limit=x"), &fields).unwrap_err().code(),
            "form_param_format_invalid"
        );
        assert_eq!(
            Query::parse(Some("nope=1"), &fields).unwrap_err().code(),
            "form_param_unknown"
        );
        assert_eq!(
            Query::parse(Some("limit=1&limit=2"), &fields)
                .unwrap_err()
                .code(),
            "form_param_format_invalid"
        );
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_component("a%2Fb%zz%", false), "a/b%zz%");
        assert_eq!(decode_component("%E2%9C%93+", true), "✓ ");
        assert_eq!(decode_component("%ff", false), "\u{fffd}");
    }
}
