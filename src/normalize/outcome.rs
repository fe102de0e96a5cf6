//! What a 2xx JSON body says of its request's outcome: the members that
//! carry a business error (`code`, `errcode`, `success`, `errors`, an
//! `error` object, a message), read at the top level or inside one
//! wrapper member, the failure a body states outright, and, once the
//! capture has shown which code means success
//! ([`crate::normalize::business`]), whether a code is a business error
//! and the text it is told by.

use serde_json::Value;

use crate::model::{BodyOutcome, Str};

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
/// The other top-level members the outcome and the error field of an
/// error body read.
const OTHER_KEYS: [&str; 8] = [
    "errors", "success", "ok", "error", "status", "result", "Error", "Errors",
];

/// Whether the error checks read a top-level member: the body's
/// streaming pass keeps these whole and everything else only as shape.
pub fn kept(key: &str) -> bool {
    MESSAGE_KEYS.contains(&key) || CODE_KEYS.contains(&key) || OTHER_KEYS.contains(&key) || wrapper(key)
}

/// A member that wraps a whole reply, named for the call or for the
/// reply (`alipay_trade_pay_response`, Tencent Cloud's `Response`).
fn wrapper(key: &str) -> bool {
    key.ends_with("_response") || key == "response" || key == "Response"
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Members that hold a code only when a message stands beside them: a
/// `status` or `result` alone is usually payload (`"status": "paid"`).
const WEAK_CODE_KEYS: [&str; 2] = ["status", "result"];

/// The outcome members of a body's top level (the whole body, or the
/// members its streaming pass kept); `None` when it has none.
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
/// judged once every record is read ([`crate::normalize::business`]).
/// Nothing for a response that is not a 2xx.
pub fn outcome_of_2xx(ev: &mut crate::model::Event, top: &Value) -> Option<String> {
    if !ev.status.is_some_and(|s| (200..300).contains(&s)) {
        return None;
    }
    let o = outcome(top)?;
    if o.stated.is_some() {
        return o.stated;
    }
    ev.extra_mut().body_outcome = Some(Box::new(o));
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A body's business error by the static rule alone (no capture to
    /// learn the API's convention from).
    pub(crate) fn business_error(v: &Value) -> Option<String> {
        business_error_given(&outcome(v)?, None)
    }

    pub(crate) fn j(s: &str) -> Value {
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
        let o = outcome(&alipay).unwrap();
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
        assert_eq!(
            business_error(&j(tencent)).as_deref(),
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
}
