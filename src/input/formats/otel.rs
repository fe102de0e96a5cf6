//! OpenTelemetry `resourceLogs` batches (the collector's file exporter and
//! OTLP/JSON): one batch per line, several log records in each. Resource and
//! scope attributes apply to every record under them. Each record is
//! flattened to dotted keys (`resource.service.name`, `attributes.http.…`)
//! and normalized like any other JSON record.

use crate::input::json::extract;
use serde_json::{Map, Value};

use crate::input::record;
use crate::input::Options;
use crate::model::{Event, Locator, SourceId};

/// An OTel `AnyValue` as a plain JSON value.
fn any_value(v: &Value) -> Value {
    let Some(obj) = v.as_object() else {
        return v.clone();
    };
    if let Some(s) = obj.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = obj.get("intValue") {
        // OTLP/JSON writes 64-bit integers as strings.
        return match i {
            Value::String(s) => s.parse::<i64>().map_or_else(|_| i.clone(), Value::from),
            other => other.clone(),
        };
    }
    for k in ["doubleValue", "boolValue", "bytesValue"] {
        if let Some(x) = obj.get(k) {
            return x.clone();
        }
    }
    if let Some(kvs) = obj
        .get("kvlistValue")
        .and_then(|a| a.get("values"))
        .and_then(Value::as_array)
    {
        let mut m = Map::new();
        attributes_into(&mut m, None, kvs);
        return Value::Object(m);
    }
    if let Some(arr) = obj
        .get("arrayValue")
        .and_then(|a| a.get("values"))
        .and_then(Value::as_array)
    {
        return Value::Array(arr.iter().map(any_value).collect());
    }
    Value::Null
}

/// `[{key, value}]` attributes into `prefix.key` entries.
fn attributes(into: &mut Map<String, Value>, prefix: &str, attrs: Option<&Value>) {
    if let Some(kvs) = attrs.and_then(Value::as_array) {
        attributes_into(into, Some(prefix), kvs);
    }
}

/// `[{key, value}]` pairs into `prefix.key` entries (`key` without one).
fn attributes_into(into: &mut Map<String, Value>, prefix: Option<&str>, kvs: &[Value]) {
    for kv in kvs {
        if let Some(key) = kv.get("key").and_then(Value::as_str) {
            let v = kv.get("value").map(any_value).unwrap_or(Value::Null);
            let key = match prefix {
                Some(p) => format!("{p}.{key}"),
                None => key.to_string(),
            };
            into.insert(key, v);
        }
    }
}

/// The events of one batch line, appended to `out`. Nothing is appended
/// when the line is not a batch with records; the caller then treats it as
/// an ordinary record.
pub fn batch_events(
    id: SourceId,
    line: &[u8],
    loc: Locator,
    offset: u64,
    opts: &Options,
    out: &mut Vec<Event>,
) {
    let Ok(doc) = serde_json::from_slice::<Value>(line) else {
        return;
    };
    let empty = Vec::new();
    let batches = doc
        .get("resourceLogs")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for rl in batches {
        let mut base = Map::new();
        attributes(
            &mut base,
            "resource",
            rl.get("resource").and_then(|r| r.get("attributes")),
        );
        let scopes = rl
            .get("scopeLogs")
            .or_else(|| rl.get("instrumentationLibraryLogs"))
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        for sl in scopes {
            let mut scoped = base.clone();
            if let Some(name) = sl.get("scope").and_then(|s| s.get("name")) {
                scoped.insert("scope.name".into(), name.clone());
            }
            for rec in sl.get("logRecords").and_then(Value::as_array).unwrap_or(&empty) {
                let mut flat = scoped.clone();
                if let Some(obj) = rec.as_object() {
                    for (k, v) in obj {
                        match k.as_str() {
                            "attributes" => attributes(&mut flat, "attributes", Some(v)),
                            "body" => match any_value(v) {
                                // A structured body (`kvlistValue`) is the
                                // payload the record is about: for an HTTP
                                // record, its response body.
                                body @ Value::Object(_) => {
                                    flat.insert("response_body".into(), body);
                                }
                                body => {
                                    flat.insert("body".into(), body);
                                }
                            },
                            _ => {
                                flat.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
                let Ok(bytes) = serde_json::to_vec(&Value::Object(flat)) else {
                    continue;
                };
                if let Ok(f) = extract::extract_with(&opts.map, &bytes) {
                    out.push(record::to_event(id, loc, offset, &f, opts));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use crate::model::OptionStr;

    /// The events of one batch line.
    fn events(line: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        batch_events(
            SourceId(0),
            line,
            Locator::Line(1),
            0,
            &Options::default(),
            &mut out,
        );
        out
    }

    #[test]
    fn one_batch_many_records_with_resource_attributes() {
        let line = br#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payment-service"}}]},"scopeLogs":[{"scope":{"name":"pay"},"logRecords":[
            {"timeUnixNano":"1700000000000000000","severityNumber":17,"body":{"stringValue":"gateway said no"},"traceId":"5B8AA5A2D2C872E8321CF37308D69DF2","spanId":"051581bf3cb55c13","attributes":[{"key":"http.response.status_code","value":{"intValue":"503"}},{"key":"url.path","value":{"stringValue":"/v1/pay/123"}}]},
            {"timeUnixNano":"1700000001000000000","severityText":"INFO","body":{"stringValue":"ok"}}]}]}]}"#;
        let out = events(line);
        assert_eq!(out.len(), 2);
        let e = &out[0];
        assert_eq!(e.service().as_str(), Some("payment-service"));
        assert_eq!(e.status, Some(503));
        assert_eq!(e.ts_ns(), Some(1_700_000_000_000_000_000));
        assert_eq!(e.trace_id.as_deref(), Some("5b8aa5a2d2c872e8321cf37308d69df2"));
        assert_eq!(e.route().as_str(), Some("/v1/pay/{id}"));
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.message.as_deref(), Some("gateway said no"));
        assert_eq!(out[1].service().as_str(), Some("payment-service"));
        assert_eq!(out[1].level, Some(Level::Info));
    }

    #[test]
    fn response_bodies_in_a_structured_body_or_an_attribute_are_read() {
        let line = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
            {"timeUnixNano":"1700000000000000000","body":{"kvlistValue":{"values":[{"key":"success","value":{"boolValue":false}},{"key":"message","value":{"stringValue":"sign verification failed"}}]}},"attributes":[{"key":"http.response.status_code","value":{"intValue":"200"}}]},
            {"timeUnixNano":"1700000001000000000","body":{"stringValue":"POST /pay"},"attributes":[{"key":"http.response.status_code","value":{"intValue":"200"}},{"key":"http.response.body","value":{"stringValue":"{\"errcode\":40001,\"errmsg\":\"invalid credential\"}"}}]}]}]}]}"#;
        let out = events(line);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].error_class, Some(crate::model::ErrorClass::Business));
        assert!(out[0]
            .error_text
            .as_deref()
            .is_some_and(|t| t.contains("sign verification failed")));
        let o = out[1].extra.as_ref().and_then(|x| x.body_outcome.as_ref());
        assert_eq!(o.and_then(|o| o.code).map(|(k, _)| k), Some("errcode"));
        assert_eq!(out[1].message.as_deref(), Some("POST /pay"));
    }
}
