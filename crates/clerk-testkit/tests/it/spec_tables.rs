//! The routing table against the spec: every emulated operation is a real operation, the crate
//! docs list exactly the emulated ones, and every validation table matches the spec's request
//! body and query parameters (plus the overlay of parameters the live API takes beyond it).

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{operation, resolve, spec};
use serde_json::Value;

#[test]
fn every_routed_operation_is_a_spec_operation() {
    let known: BTreeSet<&str> = clerk_api::operations()
        .iter()
        .map(|o| o.operation_id)
        .collect();
    let routed = clerk_testkit::routing_table_operation_ids();
    let mut seen = BTreeSet::new();
    for id in &routed {
        assert!(known.contains(id), "{id} is not an operation of the spec");
        assert!(seen.insert(*id), "{id} is routed twice");
    }
    assert_eq!(routed.len(), clerk_testkit::emulated_operations().len());
    assert!(
        routed.len() >= 100,
        "only {} operations emulated",
        routed.len()
    );
}

fn emulated_markdown() -> String {
    let emulated: BTreeSet<&str> = clerk_testkit::emulated_operations().into_iter().collect();
    let mut out = String::new();
    out.push_str(&format!(
        "{} of the {} Backend API operations are emulated; the others answer `501 not_implemented`.\n\n",
        emulated.len(),
        clerk_api::operations().len()
    ));
    out.push_str("| Operation | Method | Path | `clerk-api` call |\n|---|---|---|---|\n");
    for info in clerk_api::operations() {
        if emulated.contains(info.operation_id) {
            let prefix = if info.versioned { "/v1" } else { "" };
            out.push_str(&format!(
                "| `{}` | {} | `{}{}` | `{}` |\n",
                info.operation_id, info.http_method, prefix, info.path, info.rust_path
            ));
        }
    }
    out
}

/// The list in the crate docs (`EMULATED.md`) is generated from the routing table. Run with
/// `CLERK_TESTKIT_BLESS=1` to rewrite it after changing the table.
#[test]
fn docs_list_the_emulated_operations() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/EMULATED.md");
    let expected = emulated_markdown();
    if std::env::var_os("CLERK_TESTKIT_BLESS").is_some() {
        std::fs::write(path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(path).unwrap();
    assert!(
        actual == expected,
        "EMULATED.md is out of date: run `CLERK_TESTKIT_BLESS=1 cargo test -p clerk-testkit --test spec_tables`"
    );
}

/// Normalized facts about one parameter: type, required, nullable, min, max, enum.
#[derive(Debug, Clone, PartialEq)]
struct Param {
    ty: String,
    required: bool,
    nullable: bool,
    min: Option<i64>,
    max: Option<i64>,
    enumeration: BTreeSet<String>,
}

fn schema_param(spec: &Value, schema: &Value, required: bool) -> Param {
    let schema = resolve(spec, schema);
    let ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("any")
        .to_owned();
    let enum_source = if ty == "array" {
        resolve(spec, &schema["items"])
    } else {
        schema
    };
    let enumeration = enum_source
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64).map(|f| f as i64);
    Param {
        ty,
        required,
        nullable: schema.get("nullable").and_then(Value::as_bool) == Some(true),
        min: bound("minimum"),
        max: bound("maximum"),
        enumeration,
    }
}

/// The spec's parameters of an operation: `("body" | "body[]" | "query", name) -> Param`.
fn spec_params(spec: &Value, operation_id: &str) -> BTreeMap<(String, String), Param> {
    let (_, _, op) = operation(spec, operation_id);
    let mut out = BTreeMap::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let p = resolve(spec, p);
        if p["in"] == "query" {
            out.insert(
                ("query".to_owned(), p["name"].as_str().unwrap().to_owned()),
                schema_param(spec, &p["schema"], p["required"] == true),
            );
        }
    }
    if let Some(body) = op.get("requestBody") {
        let body = resolve(spec, body);
        let (content_type, media) = body["content"].as_object().unwrap().iter().next().unwrap();
        let schema = resolve(spec, &media["schema"]);
        if content_type.starts_with("multipart/") {
            out.insert(
                ("multipart".to_owned(), "file".to_owned()),
                Param {
                    ty: "string".to_owned(),
                    required: true,
                    nullable: false,
                    min: None,
                    max: None,
                    enumeration: BTreeSet::new(),
                },
            );
        } else {
            let (location, object) = if schema["type"] == "array" {
                ("body[]", resolve(spec, &schema["items"]))
            } else {
                ("body", schema)
            };
            let required: Vec<&str> = object["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (name, prop) in object["properties"].as_object().into_iter().flatten() {
                out.insert(
                    (location.to_owned(), name.clone()),
                    schema_param(spec, prop, required.contains(&name.as_str())),
                );
            }
        }
    }
    out
}

/// `codegen/overlay.txt`: parameters the live API takes beyond the spec.
fn overlay() -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../codegen/overlay.txt"
    ))
    .unwrap();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (
                parts[0].to_owned(),
                parts[1].to_owned(),
                parts[2].to_owned(),
                parts[3..].join(" "),
            )
        })
        .collect()
}

#[test]
fn validation_tables_match_the_spec() {
    let spec = spec();
    let overlay = overlay();
    let mut problems = Vec::new();
    for operation_id in clerk_testkit::emulated_operations() {
        let mut expected = spec_params(spec, operation_id);
        for (op, location, name, ty) in &overlay {
            if op != operation_id {
                continue;
            }
            if location == "retype" {
                // A boolean the spec types as a bare string: on the wire, `true` or `false`.
                if let Some(p) = expected.get_mut(&("query".to_owned(), name.clone())) {
                    if ty.trim() == "boolean" {
                        p.enumeration = ["true", "false"].map(str::to_owned).into();
                    }
                }
                continue;
            }
            let key = (location.clone(), name.clone());
            if ty.contains("repeated") {
                if let Some(p) = expected.get_mut(&key) {
                    p.ty = "array".to_owned();
                }
                continue;
            }
            expected.insert(
                key,
                Param {
                    ty: ty.split_whitespace().next().unwrap_or("string").to_owned(),
                    required: false,
                    nullable: ty.contains("nullable"),
                    min: None,
                    max: None,
                    enumeration: BTreeSet::new(),
                },
            );
        }
        let actual: BTreeMap<(String, String), Param> =
            clerk_testkit::validation_table(operation_id)
                .unwrap()
                .into_iter()
                .map(|row| {
                    (
                        (row.location.to_owned(), row.name.clone()),
                        Param {
                            ty: row.ty.clone(),
                            required: row.required,
                            nullable: row.nullable,
                            min: row.min,
                            max: row.max,
                            enumeration: row.enumeration.iter().cloned().collect(),
                        },
                    )
                })
                .collect();
        for (key, want) in &expected {
            match actual.get(key) {
                None => problems.push(format!("{operation_id}: {key:?} is not validated")),
                Some(got) if got != want => problems.push(format!(
                    "{operation_id}: {key:?}: spec {want:?}, table {got:?}"
                )),
                Some(_) => {}
            }
        }
        for key in actual.keys() {
            if !expected.contains_key(key) {
                problems.push(format!("{operation_id}: {key:?} is not in the spec"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
