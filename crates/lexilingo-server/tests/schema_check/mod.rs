//! Checks a JSON answer against a schema of the generated OpenAPI document, so the tests
//! prove the document describes what the handlers really send (serde's renames, skipped
//! fields and tagged enums included), not only that it lists the routes.
//!
//! It covers the subset of JSON Schema that utoipa writes: `$ref`, `type` (one or a list),
//! `properties` with `required`, `additionalProperties`, `items`, `enum`, `const`, `oneOf`,
//! `anyOf` and `allOf`. Formats and numeric bounds are not checked. (A full validator crate
//! would switch on serde_json's `float_roundtrip` for every test build.)

use serde_json::Value;

/// Checks `value` against the component schema `name` of `doc`; the error names the path
/// into the value where it first fails.
pub fn check_component(doc: &Value, name: &str, value: &Value) -> Result<(), String> {
    let schema = doc
        .pointer(&format!("/components/schemas/{name}"))
        .ok_or_else(|| format!("no schema {name}"))?;
    check(doc, schema, value, "$")
}

/// Checks `value` against `schema` (which may refer to `doc`'s components).
pub fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    check_in(doc, schema, value, at, true)
}

/// `strict`: an object's fields must all be in the schema (false for one part of an `allOf`,
/// whose other parts hold the rest; the `allOf` itself checks the union).
fn check_in(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    strict: bool,
) -> Result<(), String> {
    let check = |doc: &Value, schema: &Value, value: &Value, at: &str| {
        check_in(doc, schema, value, at, true)
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target =
            resolve(doc, reference).ok_or_else(|| format!("{at}: dangling {reference}"))?;
        return check_in(doc, target, value, at, strict);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut known = Vec::new();
        for s in all {
            check_in(doc, s, value, at, false)?;
            let part = match s.get("$ref").and_then(Value::as_str) {
                Some(r) => resolve(doc, r).unwrap_or(s),
                None => s,
            };
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                known.extend(p.keys().cloned());
            }
        }
        if let (true, Value::Object(fields)) = (strict, value) {
            if let Some(name) = fields.keys().find(|k| !known.contains(k)) {
                return Err(format!("{at}.{name}: sent but in no part of the allOf"));
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let errors: Vec<String> = options
                .iter()
                .filter_map(|s| check(doc, s, value, at).err())
                .collect();
            let matched = options.len() - errors.len();
            if matched == 0 || (key == "oneOf" && matched > 1) {
                return Err(format!(
                    "{at}: {value} matches {matched} of the {key} options: {errors:?}"
                ));
            }
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            return Err(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            return Err(format!("{at}: {value} is not {constant}"));
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.iter().any(|t| has_type(value, t)) {
            return Err(format!("{at}: {value} is not of type {types:?}"));
        }
    }
    if let Value::Object(fields) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    return Err(format!("{at}: the required field `{name}` is missing"));
                }
            }
        }
        for (name, field) in fields {
            let here = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(s) => check(doc, s, field, &here)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{here}: a field the schema does not list"))
                    }
                    Some(s @ Value::Object(_)) => check(doc, s, field, &here)?,
                    // An object schema that lists its fields must list every field sent:
                    // a field the document leaves out is a client's surprise.
                    _ if properties.is_some() && strict => {
                        return Err(format!("{here}: sent but not in the schema"))
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check(doc, item, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.trim_start_matches('#'))
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// The checker itself fails where it should, on the real document.
#[test]
fn the_checker_refuses_what_the_document_does_not_describe() {
    let doc = serde_json::to_value(lexilingo_server::openapi()).expect("JSON");
    let good = serde_json::json!({ "items": [], "has_more": false });
    check_component(&doc, "HistoryPage", &good).expect("a real page");
    for bad in [
        serde_json::json!({ "items": [] }),
        serde_json::json!({ "items": [], "has_more": "no" }),
        serde_json::json!({ "items": [], "has_more": false, "extra": 1 }),
        serde_json::json!({ "items": [{ "id": "x" }], "has_more": false }),
    ] {
        assert!(check_component(&doc, "HistoryPage", &bad).is_err(), "{bad}");
    }
    let error = |code: &str| {
        serde_json::json!({ "error": { "code": code, "message": "",
        "message_vi": "", "message_en": "", "type": "server_error" } })
    };
    check_component(&doc, "ErrorBody", &error("no_model")).expect("a real code");
    assert!(check_component(&doc, "ErrorBody", &error("no_such_code")).is_err());
}
