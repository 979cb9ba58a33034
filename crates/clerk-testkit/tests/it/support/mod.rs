//! Shared test helpers: the OpenAPI spec (read from `../shared/openapi` beside the repository, as
//! CI lays it out) and a small JSON-schema walker for the subset Clerk's spec uses.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

/// Where CI puts the spec, relative to this crate.
pub(crate) const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/openapi/bapi-2026-05-12.yml"
);

/// Where CI puts the webhooks spec.
pub(crate) const WEBHOOKS_SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/openapi/webhooks-2025-04-15.yml"
);

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("the OpenAPI spec must be at {path} (../shared/openapi beside the repository): {e}")
    });
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("the spec is YAML");
    to_json(yaml)
}

/// The Backend API spec as JSON.
pub(crate) fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| load(SPEC_PATH))
}

/// The webhooks spec as JSON.
pub(crate) fn webhooks_spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| load(WEBHOOKS_SPEC_PATH))
}

fn to_json(value: serde_yaml::Value) -> Value {
    match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    serde_yaml::Value::String(s) => s,
                    serde_yaml::Value::Number(n) => n.to_string(),
                    serde_yaml::Value::Bool(b) => b.to_string(),
                    other => format!("{other:?}"),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => to_json(tagged.value),
    }
}

/// Follows `$ref`s (`#/components/...`).
pub(crate) fn resolve<'a>(spec: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        let mut node = spec;
        for part in reference.trim_start_matches("#/").split('/') {
            node = &node[part];
        }
        schema = node;
    }
    schema
}

/// The spec operation with this id: `(path, method, operation)`.
pub(crate) fn operation(spec: &Value, operation_id: &str) -> (String, String, Value) {
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                return (path.clone(), method.to_uppercase(), op.clone());
            }
        }
    }
    panic!("no operation {operation_id} in the spec");
}

/// The JSON schema of an operation's response with `status`.
pub(crate) fn response_schema<'a>(
    spec: &'a Value,
    op: &'a Value,
    status: u16,
) -> Option<&'a Value> {
    let response = resolve(spec, op.get("responses")?.get(status.to_string())?);
    let content = response.get("content")?.as_object()?;
    content.values().next()?.get("schema")
}

/// Validates `value` against `schema`, appending every violation to `errors`.
pub(crate) fn validate(
    spec: &Value,
    value: &Value,
    schema: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let schema = resolve(spec, schema);
    if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for sub in all {
            validate_shallow_union(spec, value, sub, schema, at, errors);
        }
        return;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let any = options.iter().any(|option| {
                let mut e = Vec::new();
                validate(spec, value, option, at, &mut e);
                e.is_empty()
            });
            if !any {
                errors.push(format!("{at}: matches none of the {key} options: {value}"));
            }
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !value.is_null() && !allowed.contains(value) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let ty = schema.get("type").and_then(Value::as_str);
    match ty {
        Some("string") => {
            if !value.is_string() {
                errors.push(format!("{at}: expected a string, got {value}"));
            }
        }
        Some("boolean") => {
            if !value.is_boolean() {
                errors.push(format!("{at}: expected a boolean, got {value}"));
            }
        }
        Some("integer") => {
            let integral = value.is_i64()
                || value.is_u64()
                || value.as_f64().is_some_and(|f| f.fract() == 0.0);
            if !integral {
                errors.push(format!("{at}: expected an integer, got {value}"));
            }
        }
        Some("number") => {
            if !value.is_number() {
                errors.push(format!("{at}: expected a number, got {value}"));
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        validate(spec, item, item_schema, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            None => errors.push(format!("{at}: expected an array, got {value}")),
        },
        Some("object") | None => {
            if schema.get("properties").is_some() || ty == Some("object") {
                validate_object(spec, value, schema, schema, at, errors);
            }
        }
        Some(other) => errors.push(format!("{at}: unknown schema type {other}")),
    }
}

/// An `allOf` member is validated for its own properties; `additionalProperties: false` inside
/// one member is judged against the properties of every member (OpenAPI's usual intent).
fn validate_shallow_union(
    spec: &Value,
    value: &Value,
    sub: &Value,
    parent: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let sub = resolve(spec, sub);
    if sub.get("properties").is_some() || sub.get("type").and_then(Value::as_str) == Some("object")
    {
        validate_object(spec, value, sub, parent, at, errors);
    } else {
        validate(spec, value, sub, at, errors);
    }
}

fn all_properties(spec: &Value, schema: &Value, out: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for sub in all {
            all_properties(spec, sub, out);
        }
    }
}

fn validate_object(
    spec: &Value,
    value: &Value,
    schema: &Value,
    whole: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        errors.push(format!("{at}: expected an object, got {value}"));
        return;
    };
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                errors.push(format!("{at}: missing required member {name}"));
            }
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some(props) = props {
        for (name, prop_schema) in props {
            if let Some(member) = object.get(name) {
                validate(spec, member, prop_schema, &format!("{at}.{name}"), errors);
            }
        }
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        let mut known = Vec::new();
        all_properties(spec, whole, &mut known);
        for key in object.keys() {
            if !known.contains(key) {
                errors.push(format!("{at}: member {key} is not in the schema"));
            }
        }
    }
}

/// A transport that records every response, for checking raw bodies after typed calls.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    pub(crate) log: Arc<Mutex<Vec<Recorded>>>,
    inner: Arc<OnceLock<clerk_core::HyperTransport>>,
}

/// One recorded exchange.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) uri: String,
    pub(crate) status: u16,
    pub(crate) body: bytes::Bytes,
}

impl Recorder {
    pub(crate) fn last(&self) -> Recorded {
        self.log
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a recorded response")
    }
}

impl clerk_core::Transport for Recorder {
    fn send(&self, req: http::Request<bytes::Bytes>) -> clerk_core::TransportFuture {
        let transport = self
            .inner
            .get_or_init(|| clerk_core::HyperTransport::new().unwrap())
            .clone();
        let log = self.log.clone();
        let method = req.method().to_string();
        let uri = req.uri().to_string();
        Box::pin(async move {
            let response = transport.send(req).await?;
            log.lock().unwrap().push(Recorded {
                method,
                uri,
                status: response.status().as_u16(),
                body: response.body().clone(),
            });
            Ok(response)
        })
    }
}
