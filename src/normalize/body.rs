//! Signals from JSON response bodies: the body's shape (a fingerprint of its
//! field paths and value types, for drift detection) and business errors
//! that hide inside 2xx responses (`{"code": 4001, "message": …}`,
//! `{"success": false}`, GraphQL `errors`).

use std::hash::{Hash, Hasher};

use serde::Deserialize as _;
use serde_json::Value;

use crate::model::{BodyOutcome, Str};

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

/// Members that carry a business error's message, the most telling first
/// (Alipay's `sub_msg` says more than its `msg`).
const MESSAGE_KEYS: [&str; 9] = [
    "sub_msg",
    "message",
    "msg",
    "errmsg",
    "error_description",
    "errorMessage",
    "detail",
    "reason",
    "Message",
];
/// Members that carry a business error code.
const CODE_KEYS: [&str; 6] = ["code", "errcode", "error_code", "errorCode", "err_code", "Code"];
/// The other top-level members [`business_error`] and [`error_field`] read.
const OTHER_KEYS: [&str; 8] = [
    "errors", "success", "ok", "error", "status", "result", "Error", "Errors",
];

/// Whether the error checks read a top-level member: [`inspect`] keeps
/// these whole and everything else only as shape.
fn kept(key: &str) -> bool {
    MESSAGE_KEYS.contains(&key) || CODE_KEYS.contains(&key) || OTHER_KEYS.contains(&key) || wrapper(key)
}

/// A member that wraps a whole reply, named for the call or for the
/// reply (`alipay_trade_pay_response`, Tencent Cloud's `Response`).
fn wrapper(key: &str) -> bool {
    key.ends_with("_response") || key == "response" || key == "Response"
}

/// What one pass over a JSON body found: its shape and the top-level
/// members the error checks need.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspected {
    /// Field paths with types, sorted (as [`fields`] gives for the tree).
    pub fields: Vec<Str>,
    /// The top-level members the error checks read ([`kept`]) as an object; `Null` when the
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
            match top.as_deref_mut().filter(|_| kept(&key)) {
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

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Record a response body's shape on an event (its fingerprint is
/// [`shape`] of the same value, derivable from these fields).
pub fn set_body(ev: &mut crate::model::Event, fields: Vec<Str>) {
    ev.extra_mut().body_fields = Some(fields.into_boxed_slice());
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

/// Members that hold a code only when a message stands beside them: a
/// `status` or `result` alone is usually payload (`"status": "paid"`).
const WEAK_CODE_KEYS: [&str; 2] = ["status", "result"];

/// The outcome members of a body's top level ([`Inspected::top`]); `None`
/// when it has none.
pub fn outcome(v: &Value) -> Option<BodyOutcome> {
    let obj = v.as_object()?;
    outcome_of(obj).or_else(|| {
        // A reply wrapped in one member (`{"alipay_trade_pay_response":
        // {"code": "40004", …}, "sign": …}`).
        let mut wrapped = obj.iter().filter(|(k, v)| wrapper(k) && v.is_object());
        let (_, inner) = wrapped.next()?;
        match wrapped.next() {
            Some(_) => None,
            None => outcome_of(inner.as_object()?),
        }
    })
}

/// The outcome members of one object.
fn outcome_of(obj: &serde_json::Map<String, Value>) -> Option<BodyOutcome> {
    let message = MESSAGE_KEYS.iter().find_map(|k| text_of(obj.get(*k)));
    let code = CODE_KEYS
        .iter()
        .chain(WEAK_CODE_KEYS.iter().filter(|_| message.is_some()))
        .find_map(|&k| match obj.get(k)? {
            c @ (Value::Number(_) | Value::String(_)) => Some((k, crate::model::intern(&c.to_string()))),
            _ => None,
        });
    let stated = stated_error(obj, message.as_deref());
    (stated.is_some() || code.is_some()).then_some(BodyOutcome {
        stated,
        code,
        message,
    })
}

/// The failure a body states outright.
fn stated_error(obj: &serde_json::Map<String, Value>, message: Option<&str>) -> Option<String> {
    let error = obj.get("error").or_else(|| obj.get("Error"));
    // An error object's own code and message (`{"error": {"code":
    // "CARD_DECLINED", "message": "card declined"}}`) say what failed.
    let inner = error.and_then(Value::as_object).filter(|m| !m.is_empty());
    let inner_message = || inner.and_then(|m| MESSAGE_KEYS.iter().find_map(|k| text_of(m.get(*k))));
    let message = message.map(str::to_string).or_else(inner_message);
    let with_message = |head: String| match &message {
        Some(m) => format!("{head}: {m}"),
        None => head,
    };
    if let Some(errors) = obj
        .get("errors")
        .or_else(|| obj.get("Errors"))
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let first = errors[0]
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error");
        // GraphQL names the error's kind in `extensions.code`
        // (`UNAUTHENTICATED`, `BAD_USER_INPUT`).
        let code = errors[0]
            .get("extensions")
            .and_then(|x| x.get("code"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty() && !c.contains(char::is_whitespace));
        return Some(match code {
            Some(c) => format!("{} (errors[]): {first}", coded(c)),
            None => format!("business error in a 2xx response (errors[]): {first}"),
        });
    }
    if matches!(
        obj.get("success").or_else(|| obj.get("ok")),
        Some(Value::Bool(false))
    ) {
        return Some(with_message(
            "business error in a 2xx response (success: false)".into(),
        ));
    }
    match error {
        Some(Value::String(s)) if !s.is_empty() => Some(format!("business error in a 2xx response: {s}")),
        Some(Value::Object(_)) if inner.is_some() => {
            let code = inner.and_then(|m| CODE_KEYS.iter().find_map(|k| text_of(m.get(*k))));
            Some(with_message(match code {
                Some(c) => coded(&c),
                None => "business error in a 2xx response (error object)".into(),
            }))
        }
        _ => None,
    }
}

/// The business error of an outcome, given the code value that means
/// success for its endpoint when the capture showed one (`success`):
/// what the body states, or a code other than that value. Without a
/// learned value, a code is failing when it is a non-zero number outside
/// 2xx, or a string other than the usual success words, and a message or
/// an error-named key stands beside it.
pub fn business_error_given(o: &BodyOutcome, success: Option<Str>) -> Option<String> {
    if o.stated.is_some() {
        return o.stated.clone();
    }
    let (key, value) = o.code?;
    // A `status` or `result` is often the payload's own (an order that is
    // `"PENDING"`): it tells a failure only in a failure's words.
    if WEAK_CODE_KEYS.contains(&key) && !reads_as_failure(value.as_str()) {
        return None;
    }
    let failing = match success {
        Some(s) => value != s,
        None => {
            let v: Value = serde_json::from_str(value.as_str()).ok()?;
            let named = !key.eq_ignore_ascii_case("code") && !WEAK_CODE_KEYS.contains(&key);
            (o.message.is_some() || named) && static_failing(&v)
        }
    };
    failing.then(|| {
        // A string code is written without its JSON quotes.
        let code = serde_json::from_str::<String>(value.as_str()).unwrap_or_else(|_| value.to_string());
        match &o.message {
            Some(m) => format!("{}: {m}", coded(&code)),
            None => coded(&code),
        }
    })
}

/// Whether a value (its JSON text) says failure: a number other than 0
/// or 2xx, or a word of failure (`"FAIL"`, `"error"`, `"DENIED"`, …).
fn reads_as_failure(value: &str) -> bool {
    match serde_json::from_str::<Value>(value) {
        Ok(v @ Value::Number(_)) => static_failing(&v),
        Ok(Value::String(s)) => {
            let t = s.to_ascii_lowercase();
            [
                "fail",
                "error",
                "err",
                "denied",
                "reject",
                "invalid",
                "forbidden",
                "unauthori",
                "refused",
                "timeout",
                "exceeded",
                "declined",
                "exception",
            ]
            .iter()
            .any(|w| t.contains(w))
        }
        _ => false,
    }
}

/// How the text of a business error with a code begins.
const CODED: &str = "business error ";
/// What follows the code.
const IN_2XX: &str = " in a 2xx response";

/// The text of a business error with this code, before its message.
fn coded(code: &str) -> String {
    format!("{CODED}{code}{IN_2XX}")
}

/// A business error's text split after its code (`business error 40001`
/// and ` in a 2xx response: invalid credential`): the code names the
/// error as a status does, and templates keep it.
pub fn split_after_code(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(CODED)?;
    let end = rest.find(IN_2XX)?;
    let code = &rest[..end];
    (!code.is_empty() && !code.contains(char::is_whitespace)).then(|| text.split_at(CODED.len() + end))
}

/// Whether a code value (its JSON text) is one of the usual success
/// values: 0, a 2xx number, `"0"`, `"0000"`, `"ok"`, `"success"`.
pub fn usual_success(code: &str) -> bool {
    serde_json::from_str::<Value>(code).is_ok_and(|v| match &v {
        Value::Number(_) => !static_failing(&v),
        Value::String(s) => !s.trim().is_empty() && !static_failing(&v),
        _ => false,
    })
}

/// A code value that is not a usual success value.
fn static_failing(code: &Value) -> bool {
    match code {
        Value::Number(n) => n.as_i64().is_some_and(|c| c != 0 && !(200..300).contains(&c)),
        Value::String(s) => {
            let t = s.trim().to_ascii_lowercase();
            !t.is_empty() && !matches!(t.as_str(), "0" | "ok" | "success" | "200" | "00000" | "0000")
        }
        _ => false,
    }
}

/// A 2xx body's outcome: the failure it states outright, returned; a code
/// whose meaning the capture must show first, kept on the event and
/// judged once every record is read (`analyze::business`).
pub fn outcome_of_2xx(ev: &mut crate::model::Event, top: &Value) -> Option<String> {
    let o = outcome(top)?;
    if o.stated.is_some() {
        return o.stated;
    }
    ev.extra_mut().body_outcome = Some(Box::new(o));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body's business error by the static rule alone (no capture to
    /// learn the API's convention from).
    fn business_error(v: &Value) -> Option<String> {
        business_error_given(&outcome(v)?, None)
    }

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
    fn wrapped_replies_and_error_objects_say_what_failed() {
        // Alipay: the reply under a member named for the call, its code
        // judged by the capture's convention ("10000" is success there).
        let alipay = j(
            r#"{"alipay_trade_pay_response":{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_HAS_SUCCESS","sub_msg":"trade already paid"},"sign":"x"}"#,
        );
        let got = inspect(&alipay.to_string()).unwrap();
        let o = outcome(&got.top).unwrap();
        assert_eq!(
            o.code.map(|(k, v)| (k, v.as_str().to_string())),
            Some(("code", "\"40004\"".into()))
        );
        assert_eq!(o.message.as_deref(), Some("trade already paid"));
        assert_eq!(
            business_error_given(&o, Some(crate::model::intern("\"10000\""))).as_deref(),
            Some("business error 40004 in a 2xx response: trade already paid")
        );
        // Tencent Cloud: `Response.Error` with capitalized members.
        let tencent = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"r"}}"#;
        let got = inspect(tencent).unwrap();
        assert_eq!(
            business_error(&got.top).as_deref(),
            Some("business error AuthFailure.SignatureFailure in a 2xx response: The provided credentials could not be validated.")
        );
        // `success: false` tells the error object's message.
        assert_eq!(
            business_error(&j(
                r#"{"success":false,"error":{"code":"CARD_DECLINED","message":"card declined"}}"#
            ))
            .as_deref(),
            Some("business error in a 2xx response (success: false): card declined")
        );
        // Two wrappers, or a wrapper without an outcome: nothing.
        assert!(business_error(&j(
            r#"{"a_response":{"code":1,"msg":"m"},"b_response":{"code":2,"msg":"m"}}"#
        ))
        .is_none());
        assert!(business_error(&j(r#"{"response":{"items":[]}}"#)).is_none());
    }

    #[test]
    fn the_streaming_pass_sees_what_the_tree_shows() {
        let bodies = [
            r#"{"id":1,"name":"x","tags":["a",{"k":null}],"nested":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}"#,
            r#"{"code":4001,"message":"insufficient balance","data":{"items":[]}}"#,
            r#"{"errors":[{"message":"Cannot query field","path":["x"]}],"data":null}"#,
            r#"{"error":"invalid_grant","error_description":"expired","success":false}"#,
            r#"[{"a":1},{"b":2}]"#,
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
