//! Signals from JSON response bodies: the body's shape (a fingerprint of its
//! field paths and value types, for drift detection) and business errors
//! that hide inside 2xx responses (`{"code": 4001, "message": …}`,
//! `{"success": false}`, GraphQL `errors`).

use std::hash::{Hash, Hasher};

use serde_json::Value;

/// Bodies larger than this are not inspected.
pub const MAX_BODY: usize = 256 * 1024;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk(v: &Value, path: &mut String, depth: usize, out: &mut Vec<String>) {
    if out.len() >= 256 || depth > 6 {
        return;
    }
    out.push(format!("{path}:{}", type_name(v)));
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                walk(child, path, depth + 1, out);
                path.truncate(len);
            }
        }
        // An array's shape is the shape of its first element.
        Value::Array(a) => {
            if let Some(first) = a.first() {
                let len = path.len();
                path.push_str("[]");
                walk(first, path, depth + 1, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A JSON value's shape: its field paths with their types (`.price:number`),
/// sorted. Arrays contribute their first element's shape.
pub fn fields(v: &Value) -> Vec<String> {
    let mut parts = Vec::new();
    walk(v, &mut String::new(), 0, &mut parts);
    parts.sort();
    parts
}

/// A stable fingerprint of a JSON value's shape: its field paths and types.
pub fn shape(v: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fields(v).hash(&mut h);
    h.finish()
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Record a response body's shape on an event (its fingerprint is
/// [`shape`] of the same value, derivable from these fields).
pub fn set_body(ev: &mut crate::model::Event, v: &Value) {
    ev.body_fields = Some(fields(v).into_iter().map(String::into_boxed_str).collect());
}

/// The `error` of an error response body (`{"error": "invalid_grant",
/// "error_description": "…"}`), as text.
pub fn error_field(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    let err = obj.get("error")?.as_str().filter(|s| !s.is_empty())?;
    Some(match obj.get("error_description").and_then(Value::as_str) {
        Some(d) if !d.is_empty() => format!("{err}: {d}"),
        _ => err.to_string(),
    })
}

/// A business error reported inside a successful response, as text.
pub fn business_error(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    let message = [
        "message",
        "msg",
        "errmsg",
        "error_description",
        "errorMessage",
        "detail",
    ]
    .iter()
    .find_map(|k| text_of(obj.get(*k)));
    let with_message = |head: String| match &message {
        Some(m) => format!("{head}: {m}"),
        None => head,
    };
    if let Some(errors) = obj
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let first = errors[0]
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error");
        return Some(format!("business error in a 2xx response (errors[]): {first}"));
    }
    if matches!(
        obj.get("success").or_else(|| obj.get("ok")),
        Some(Value::Bool(false))
    ) {
        return Some(with_message(
            "business error in a 2xx response (success: false)".into(),
        ));
    }
    for key in ["code", "errcode", "error_code", "errorCode", "err_code"] {
        let Some(code) = obj.get(key) else { continue };
        let failing = match code {
            Value::Number(n) => n.as_i64().is_some_and(|c| c != 0 && !(200..300).contains(&c)),
            Value::String(s) => {
                let t = s.trim().to_ascii_lowercase();
                !t.is_empty() && !matches!(t.as_str(), "0" | "ok" | "success" | "200" | "00000")
            }
            _ => false,
        };
        if failing {
            return Some(with_message(format!("business error {code} in a 2xx response")));
        }
    }
    match obj.get("error") {
        Some(Value::String(s)) if !s.is_empty() => Some(format!("business error in a 2xx response: {s}")),
        Some(Value::Object(m)) if !m.is_empty() => Some(with_message(
            "business error in a 2xx response (error object)".into(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn business_errors() {
        assert_eq!(
            business_error(&j(r#"{"code":4001,"message":"insufficient balance"}"#)).as_deref(),
            Some("business error 4001 in a 2xx response: insufficient balance")
        );
        assert!(business_error(&j(r#"{"success":false}"#)).is_some());
        assert!(business_error(&j(r#"{"data":null,"errors":[{"message":"Cannot query field"}]}"#)).is_some());
        assert!(business_error(&j(r#"{"code":0,"data":{}}"#)).is_none());
        assert!(business_error(&j(r#"{"code":"OK"}"#)).is_none());
        assert!(business_error(&j(r#"{"errors":[]}"#)).is_none());
        assert!(business_error(&j(r#"[1,2]"#)).is_none());
    }

    #[test]
    fn shapes_ignore_values_but_not_types() {
        let a = shape(&j(r#"{"id":1,"name":"x","tags":["a"]}"#));
        assert_eq!(a, shape(&j(r#"{"name":"y","id":2,"tags":["b","c"]}"#)));
        assert_ne!(
            a,
            shape(&j(r#"{"id":"1","name":"x","tags":["a"]}"#)),
            "a type flip"
        );
        assert_ne!(a, shape(&j(r#"{"id":1,"tags":["a"]}"#)), "a missing field");
    }
}
