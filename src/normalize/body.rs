//! JSON response bodies read in one streaming pass: the body's shape (a
//! fingerprint of its field paths and value types, for drift detection)
//! and the top-level members that [`crate::normalize::outcome`] reads for
//! business errors, and the `error` of an error response.

use std::hash::{Hash, Hasher};

use serde::Deserialize as _;
use serde_json::Value;

use crate::model::Str;

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

/// Push `path:ty` to `out`, interned: the paths of one API's bodies repeat
/// from response to response, and are found in the per-thread cache
/// without an allocation.
fn push_path(path: &mut String, ty: &str, out: &mut Vec<Str>) {
    let len = path.len();
    path.push(':');
    path.push_str(ty);
    out.push(crate::model::intern(path));
    path.truncate(len);
}

fn walk(v: &Value, path: &mut String, depth: usize, out: &mut Vec<Str>) {
    if out.len() >= 256 || depth > 6 {
        return;
    }
    push_path(path, type_name(v), out);
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

/// What one pass over a JSON body found: its shape and the top-level
/// members the error checks need.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspected {
    /// Field paths with types, sorted (as [`fields`] gives for the tree).
    pub fields: Vec<Str>,
    /// The top-level members the error checks read
    /// ([`crate::normalize::outcome::kept`]) as an object; `Null` when the
    /// body is not an object.
    pub top: Value,
}

/// Read a JSON body in one streaming pass, without building its tree:
/// the shape of every node and the few top-level members the error checks
/// read. `None` when the text is not valid JSON.
pub fn inspect(text: &str) -> Option<Inspected> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut out = Vec::new();
    let mut top = serde_json::Map::new();
    let is_object = serde::de::DeserializeSeed::deserialize(
        ShapeSeed {
            path: &mut String::new(),
            depth: 0,
            out: &mut out,
            top: Some(&mut top),
        },
        &mut de,
    )
    .ok()?;
    de.end().ok()?;
    out.sort();
    out.dedup();
    Some(Inspected {
        fields: out,
        top: if is_object {
            Value::Object(top)
        } else {
            Value::Null
        },
    })
}

/// One node of [`inspect`]'s walk; returns whether it was an object.
struct ShapeSeed<'a> {
    path: &'a mut String,
    depth: usize,
    out: &'a mut Vec<Str>,
    /// The kept members, at the top level only.
    top: Option<&'a mut serde_json::Map<String, Value>>,
}

impl ShapeSeed<'_> {
    fn full(&self) -> bool {
        self.out.len() >= 256 || self.depth > 6
    }
    fn leaf(self, ty: &str) -> bool {
        push_path(self.path, ty, self.out);
        false
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for ShapeSeed<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        if self.full() {
            serde::de::IgnoredAny::deserialize(d)?;
            return Ok(false);
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ShapeSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(self.leaf("bool"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(self.leaf("number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(self.leaf("number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(self.leaf("number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(self.leaf("string"))
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(self.leaf("null"))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        push_path(self.path, "array", self.out);
        let len = self.path.len();
        self.path.push_str("[]");
        // An array's shape is the shape of its first element.
        let first = seq.next_element_seed(ShapeSeed {
            path: self.path,
            depth: self.depth + 1,
            out: self.out,
            top: None,
        });
        self.path.truncate(len);
        if first?.is_some() {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        }
        Ok(false)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let ShapeSeed {
            path,
            depth,
            out,
            mut top,
        } = self;
        push_path(path, "object", out);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let len = path.len();
            path.push('.');
            path.push_str(&key);
            match top
                .as_deref_mut()
                .filter(|_| crate::normalize::outcome::kept(&key))
            {
                Some(kept) => {
                    let v: Value = map.next_value()?;
                    if out.len() < 256 {
                        walk(&v, path, depth + 1, out);
                    }
                    kept.insert(key.into_owned(), v);
                }
                None => {
                    map.next_value_seed(ShapeSeed {
                        path,
                        depth: depth + 1,
                        out,
                        top: None,
                    })?;
                }
            }
            path.truncate(len);
        }
        Ok(true)
    }
}

/// A JSON value's shape: its field paths with their types (`.price:number`),
/// sorted. Arrays contribute their first element's shape.
pub fn fields(v: &Value) -> Vec<Str> {
    let mut parts = Vec::new();
    walk(v, &mut String::new(), 0, &mut parts);
    parts.sort();
    parts
}

/// A stable fingerprint of a JSON value's shape: its field paths and types.
pub fn shape(v: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in fields(v) {
        f.as_str().hash(&mut h);
    }
    h.finish()
}

/// Record a response body's shape on an event (its fingerprint is
/// [`shape`] of the same value, derivable from these fields).
pub fn set_body(ev: &mut crate::model::Event, fields: Vec<Str>) {
    ev.extra_mut().body_fields = Some(fields.into_boxed_slice());
}

/// Read a captured response body of at most [`MAX_BODY`] bytes: its shape
/// goes on the event, and its kept top-level members are returned for the
/// outcome and error checks. `None` when it is too large or not JSON.
pub fn read(ev: &mut crate::model::Event, text: &str) -> Option<Value> {
    if text.len() > MAX_BODY {
        return None;
    }
    let b = inspect(text)?;
    set_body(ev, b.fields);
    Some(b.top)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::outcome::tests::{business_error, j};

    #[test]
    fn the_streaming_pass_sees_what_the_tree_shows() {
        let bodies = [
            r#"{"id":1,"name":"x","tags":["a",{"k":null}],"nested":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}"#,
            r#"{"code":4001,"message":"insufficient balance","data":{"items":[]}}"#,
            r#"{"errors":[{"message":"Cannot query field","path":["x"]}],"data":null}"#,
            r#"{"error":"invalid_grant","error_description":"expired","success":false}"#,
            r#"[{"a":1},{"b":2}]"#,
            r#"{"alipay_trade_pay_response":{"code":"40004","sub_msg":"paid"},"sign":"x"}"#,
            r#"{"Response":{"Error":{"Code":"AuthFailure","Message":"m"},"RequestId":"r"}}"#,
            r#""just text""#,
            "12",
        ];
        for b in bodies {
            let tree = j(b);
            let got = inspect(b).unwrap();
            assert_eq!(got.fields, fields(&tree), "{b}");
            assert_eq!(business_error(&got.top), business_error(&tree), "{b}");
            assert_eq!(error_field(&got.top), error_field(&tree), "{b}");
        }
        assert!(inspect("{\"a\":").is_none());
        assert!(inspect("{} trailing").is_none());
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
