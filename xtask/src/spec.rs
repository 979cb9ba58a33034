//! Loading the OpenAPI document and reading it without panicking.

use serde_yaml::Value;

/// The parsed document plus `$ref` resolution.
pub(crate) struct Spec {
    pub(crate) root: Value,
}

impl Spec {
    pub(crate) fn parse(text: &str) -> Result<Spec, String> {
        let root: Value =
            serde_yaml::from_str(text).map_err(|e| format!("spec is not valid YAML: {e}"))?;
        Ok(Spec { root })
    }

    /// Follows `$ref: '#/components/<kind>/<name>'` chains; returns the target and its name.
    pub(crate) fn deref<'a>(
        &'a self,
        value: &'a Value,
    ) -> Result<(&'a Value, Option<String>), String> {
        let mut current = value;
        let mut name = None;
        for _ in 0..16 {
            match ref_of(current) {
                Some(reference) => {
                    let (kind, target) = split_ref(reference)?;
                    current = self
                        .root
                        .get("components")
                        .and_then(|c| c.get(kind))
                        .and_then(|k| k.get(target))
                        .ok_or_else(|| format!("dangling $ref {reference}"))?;
                    name = Some(target.to_owned());
                }
                None => return Ok((current, name)),
            }
        }
        Err("$ref chain longer than 16".to_owned())
    }

    pub(crate) fn schemas(&self) -> Vec<(String, &Value)> {
        entries(self.root.get("components").and_then(|c| c.get("schemas")))
    }

    pub(crate) fn paths(&self) -> Vec<(String, &Value)> {
        entries(self.root.get("paths"))
    }

    pub(crate) fn version(&self) -> String {
        self.root
            .get("info")
            .and_then(|i| i.get("version"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned()
    }
}

pub(crate) fn ref_of(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

pub(crate) fn split_ref(reference: &str) -> Result<(&str, &str), String> {
    let rest = reference
        .strip_prefix("#/components/")
        .ok_or_else(|| format!("unsupported $ref {reference}"))?;
    rest.split_once('/')
        .ok_or_else(|| format!("unsupported $ref {reference}"))
}

/// The `(key, value)` pairs of a mapping, in document order.
pub(crate) fn entries(value: Option<&Value>) -> Vec<(String, &Value)> {
    match value.and_then(Value::as_mapping) {
        Some(map) => map
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|k| (k.to_owned(), v)))
            .collect(),
        None => Vec::new(),
    }
}

pub(crate) fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

pub(crate) fn bool_field(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub(crate) fn seq<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    value
        .get(key)
        .and_then(Value::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

pub(crate) fn string_list(value: &Value, key: &str) -> Vec<String> {
    seq(value, key)
        .into_iter()
        .filter_map(scalar_string)
        .collect()
}

/// A YAML scalar as the string it would be on the wire.
pub(crate) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
