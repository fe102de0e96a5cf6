//! Issue 33's acceptance: errors inside 200 responses, wherever the body
//! was captured. Each convention (a failing `code` beside a message,
//! `errcode`, `success: false` with an `error` object, `status: "FAIL"`
//! with `errors[]`, `ok: false`, codes whose success value is `"0000"`
//! or `200`, Alipay's reply wrapped in a member named for the call,
//! Tencent Cloud's `Response.Error`, JSON-RPC's `error` and GraphQL's
//! `errors[]` with `extensions.code`) in a HAR, and in JSON lines with the body as text or as an
//! object, under a known field name and under names nobody aliased, is
//! counted as failures with its code and message; so is a body in a
//! base64 HAR, an Elasticsearch export and an OpenTelemetry batch. The
//! rule that ranks first is the category the message names (credentials,
//! an expired token, a rate limit, invalid input), or
//! `payload.business_error` when it names none. A `code` that is payload
//! (an order code, a country code) gives no failure.

mod common;

use serde_json::{json, Value};

/// 80 requests a second apart: the first 40 succeed, then every other one
/// fails with `bad` (20 failures).
fn bodies(ok: &Value, bad: &Value) -> Vec<(bool, Value)> {
    (0..80)
        .map(|i| {
            let fail = i >= 40 && i % 2 == 0;
            let mut b = if fail { bad.clone() } else { ok.clone() };
            if !fail {
                b["data"] = json!({"id": 1000 + i, "amount": 12.5});
            }
            (fail, b)
        })
        .collect()
}

fn ts(i: usize) -> String {
    format!("2025-05-01T09:{:02}:{:02}.000Z", i / 60, i % 60)
}

fn har(b: &[(bool, Value)]) -> String {
    let entries: Vec<Value> = b
        .iter()
        .enumerate()
        .map(|(i, (_, body))| {
            json!({
                "startedDateTime": ts(i), "time": 20.0,
                "request": {"method": "POST", "url": "https://pay.example.com/v1/pay", "headers": []},
                "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": body.to_string()}},
            })
        })
        .collect();
    json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})
        .to_string()
}

/// Where a JSON-lines record keeps its response body.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// As text under ECS `http.response.body.content`.
    EcsText,
    /// As text under a name nobody aliased.
    UnknownText,
    /// As an object under `response.body`.
    KnownObject,
    /// As an object under a name nobody aliased.
    UnknownObject,
    /// As an object under `body`, which is a message elsewhere (OTel).
    BodyObject,
    /// As an object under `response`.
    ResponseObject,
}

const LAYOUTS: [Layout; 6] = [
    Layout::EcsText,
    Layout::UnknownText,
    Layout::KnownObject,
    Layout::UnknownObject,
    Layout::BodyObject,
    Layout::ResponseObject,
];

fn jsonl(b: &[(bool, Value)], layout: Layout) -> String {
    b.iter()
        .enumerate()
        .map(|(i, (_, body))| {
            let mut r = json!({
                "@timestamp": ts(i), "message": "POST /v1/pay 200",
                "http": {"request": {"method": "POST"}, "response": {"status_code": 200}},
                "url": {"path": "/v1/pay", "domain": "pay.example.com"},
            });
            match layout {
                Layout::EcsText => r["http"]["response"]["body"] = json!({"content": body.to_string()}),
                Layout::UnknownText => r["upstream_answer_text"] = json!(body.to_string()),
                Layout::KnownObject => r["response"] = json!({"body": body}),
                Layout::UnknownObject => r["upstream_answer"] = body.clone(),
                Layout::BodyObject => r["body"] = body.clone(),
                Layout::ResponseObject => r["response"] = body.clone(),
            }
            r.to_string() + "\n"
        })
        .collect()
}

/// A JSON value as an OpenTelemetry `AnyValue`.
fn any_value(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let values: Vec<Value> = m
                .iter()
                .map(|(k, v)| json!({"key": k, "value": any_value(v)}))
                .collect();
            json!({"kvlistValue": {"values": values}})
        }
        Value::Array(a) => json!({"arrayValue": {"values": a.iter().map(any_value).collect::<Vec<_>>()}}),
        Value::String(t) => json!({"stringValue": t}),
        Value::Bool(x) => json!({"boolValue": x}),
        Value::Number(n) if n.is_i64() => json!({"intValue": n.to_string()}),
        Value::Number(n) => json!({"doubleValue": n}),
        Value::Null => json!({}),
    }
}

fn analyze(path: &std::path::Path) -> Value {
    let out = common::run(&["analyze", "-q", "--format", "json", path.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn every_convention_is_a_failure_with_its_code_and_message_and_ranks_first() {
    let conventions = [
        (
            "code-msg",
            json!({"code": 0, "msg": "success"}),
            json!({"code": 4001, "msg": "sign verification failed", "data": null}),
            "sign verification failed",
            "auth.rejected_in_body",
        ),
        (
            "errcode",
            json!({"errcode": 0, "errmsg": "ok"}),
            json!({"errcode": 40001, "errmsg": "invalid credential"}),
            "business error 40001 in a 2xx response: invalid credential",
            "auth.rejected_in_body",
        ),
        (
            "success-false",
            json!({"success": true}),
            json!({"success": false, "error": {"code": "CARD_DECLINED", "message": "card declined"}}),
            "success: false",
            "payload.business_error",
        ),
        (
            "status-fail-errors",
            json!({"status": "OK"}),
            json!({"status": "FAIL", "errors": [{"message": "amount must be positive"}]}),
            "amount must be positive",
            "payload.validation_in_body",
        ),
        (
            "ok-false",
            json!({"ok": true}),
            json!({"ok": false, "message": "quota exhausted"}),
            "quota exhausted",
            "rate_limit.in_body",
        ),
        (
            "code-0000",
            json!({"code": "0000", "message": "ok"}),
            json!({"code": "E102", "message": "limit exceeded"}),
            "business error E102 in a 2xx response: limit exceeded",
            "payload.business_error",
        ),
        (
            "code-200",
            json!({"code": 200, "reason": "ok"}),
            json!({"code": 500, "reason": "ledger unavailable"}),
            "ledger unavailable",
            "payload.business_error",
        ),
        (
            "error-code",
            json!({"error_code": 0, "error_description": ""}),
            json!({"error_code": 17, "error_description": "signature expired"}),
            "signature expired",
            "auth.token_expired_in_body",
        ),
        (
            "alipay-wrapped",
            json!({"alipay_trade_pay_response": {"code": "10000", "msg": "Success"}, "sign": "c2ln"}),
            json!({"alipay_trade_pay_response": {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_SUCCESS", "sub_msg": "trade already paid"}, "sign": "c2ln"}),
            "trade already paid",
            "payload.business_error",
        ),
        (
            "tencent-error",
            json!({"Response": {"RequestId": "r-1"}}),
            json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "the provided credentials could not be validated"}, "RequestId": "r-2"}}),
            "business error AuthFailure.SignatureFailure in a 2xx response: the provided credentials could not be validated",
            "auth.rejected_in_body",
        ),
        (
            "json-rpc",
            json!({"jsonrpc": "2.0", "result": {"id": 7}, "id": 1}),
            json!({"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params: amount"}, "id": 1}),
            "business error -32602 in a 2xx response: Invalid params: amount",
            "payload.validation_in_body",
        ),
        (
            "graphql",
            json!({"data": {"viewer": {"id": "u1"}}}),
            json!({"data": null, "errors": [{"message": "You must be logged in", "extensions": {"code": "UNAUTHENTICATED"}}]}),
            "business error UNAUTHENTICATED in a 2xx response (errors[]): You must be logged in",
            "auth.rejected_in_body",
        ),
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, ok, bad, text, rule) in conventions {
        let b = bodies(&ok, &bad);
        let forms = std::iter::once(("har".to_string(), har(&b)))
            .chain(LAYOUTS.iter().map(|&l| (format!("{l:?}.jsonl"), jsonl(&b, l))));
        for (form, content) in forms {
            let path = tmp.path().join(format!("{name}.{form}"));
            std::fs::write(&path, content).expect("write");
            let j = analyze(&path);
            let label = format!("{name} in {form}");
            assert_eq!(j["summary"]["failures"], 20, "{label}");
            let first = &j["root_causes"][0];
            assert_eq!(first["rule"], rule, "{label}: {:#}", j["root_causes"]);
            // The generic finding on the same responses folds under the
            // category the message names.
            let folded: Vec<&str> = first["symptoms"]
                .as_array()
                .map(|s| s.iter().filter_map(|x| x["rule"].as_str()).collect())
                .unwrap_or_default();
            if rule != "payload.business_error" {
                assert!(folded.contains(&"payload.business_error"), "{label}: {folded:?}");
            }
            assert_eq!(j["root_causes"].as_array().map(Vec::len), Some(1), "{label}");
            let template = j["error_templates"][0]["template"].as_str().unwrap_or("");
            assert!(template.contains(text), "{label}: {template}");
        }
    }
}

#[test]
fn a_code_that_is_payload_is_never_a_business_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let countries = ["DE", "FR", "IT", "ES", "NL"];
    let cases: Vec<(&str, Vec<(bool, Value)>)> = vec![
        (
            "order-code",
            (0..80)
                .map(|i| {
                    (
                        false,
                        json!({"code": format!("ORD-{}", 4000 + i * 13), "message": "order created"}),
                    )
                })
                .collect(),
        ),
        (
            "country-code",
            (0..80)
                .map(|i| {
                    (
                        false,
                        json!({"code": countries[i % 5], "message": "shipping country"}),
                    )
                })
                .collect(),
        ),
    ];
    for (name, b) in cases {
        let forms = [
            ("har", har(&b)),
            ("known.jsonl", jsonl(&b, Layout::EcsText)),
            ("object.jsonl", jsonl(&b, Layout::UnknownObject)),
        ];
        for (form, content) in forms {
            let path = tmp.path().join(format!("{name}.{form}"));
            std::fs::write(&path, content).expect("write");
            let j = analyze(&path);
            assert_eq!(j["summary"]["failures"], 0, "{name} in {form}");
        }
    }
}

#[test]
fn base64_har_bodies_and_es_documents_are_read_too() {
    use base64::Engine as _;
    let b = bodies(
        &json!({"errcode": 0, "errmsg": "ok"}),
        &json!({"errcode": 40001, "errmsg": "invalid credential"}),
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    // The same HAR with every body base64-encoded, as Chrome writes some.
    let mut doc: Value = serde_json::from_str(&har(&b)).expect("har");
    for e in doc["log"]["entries"].as_array_mut().expect("entries") {
        let text = e["response"]["content"]["text"]
            .as_str()
            .expect("text")
            .to_string();
        e["response"]["content"]["text"] = json!(base64::engine::general_purpose::STANDARD.encode(text));
        e["response"]["content"]["encoding"] = json!("base64");
    }
    let h = tmp.path().join("b64.har");
    std::fs::write(&h, doc.to_string()).expect("write");
    // An Elasticsearch `_search` export of the log records.
    // Elasticsearch `_search` exports of the log records, with the body as
    // text and as an object.
    let mut paths = vec![h];
    for layout in [Layout::EcsText, Layout::KnownObject] {
        let hits: Vec<Value> = jsonl(&b, layout)
            .lines()
            .enumerate()
            .map(|(i, l)| json!({"_index": "logs", "_id": i.to_string(), "_source": serde_json::from_str::<Value>(l).expect("record")}))
            .collect();
        let es = tmp.path().join(format!("export-{layout:?}.json"));
        std::fs::write(
            &es,
            json!({"took": 1, "hits": {"total": {"value": 80}, "hits": hits}}).to_string(),
        )
        .expect("write");
        paths.push(es);
    }
    // OpenTelemetry batches: the body as a structured log body in one, as
    // an `http.response.body` attribute in the other.
    for structured in [true, false] {
        let lines: String = b
            .iter()
            .enumerate()
            .map(|(i, (_, body))| {
                let mut attrs = vec![
                    json!({"key": "http.request.method", "value": {"stringValue": "POST"}}),
                    json!({"key": "url.full", "value": {"stringValue": "https://pay.example.com/v1/pay"}}),
                    json!({"key": "http.response.status_code", "value": {"intValue": "200"}}),
                ];
                let log_body = if structured {
                    any_value(body)
                } else {
                    attrs.push(
                        json!({"key": "http.response.body", "value": {"stringValue": body.to_string()}}),
                    );
                    json!({"stringValue": "POST /v1/pay"})
                };
                let ns = 1_746_090_000_000_000_000u64 + i as u64 * 1_000_000_000;
                json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
                    {"timeUnixNano": ns.to_string(), "body": log_body, "attributes": attrs}
                ]}]}]})
                .to_string()
                    + "\n"
            })
            .collect();
        let otel = tmp.path().join(format!("otel-{structured}.jsonl"));
        std::fs::write(&otel, lines).expect("write");
        paths.push(otel);
    }
    for path in paths {
        let j = analyze(&path);
        assert_eq!(j["summary"]["failures"], 20, "{}", path.display());
        assert_eq!(
            j["root_causes"][0]["rule"],
            "auth.rejected_in_body",
            "{}",
            path.display()
        );
    }
}

#[test]
fn failures_retried_until_they_outnumber_the_successes_still_rank_first() {
    // 30 healthy calls, then every call fails and its client retries it
    // three times: failures are nine tenths of the endpoint's bodies, and
    // the retries fold under the cause.
    let mut lines = Vec::new();
    for i in 0..100usize {
        let ok = i < 30;
        for k in 0..if ok { 1 } else { 4 } {
            let body = if ok {
                json!({"code": 0, "msg": "ok", "data": {"id": i}})
            } else {
                json!({"code": 10021, "msg": "signature verification failed: app secret rotated"})
            };
            lines.push(json!({
                "@timestamp": format!("2025-05-01T09:{:02}:{:02}.{:03}Z", i / 60, i % 60, k * 200),
                "client": {"ip": format!("10.0.0.{}", 1 + i % 7)},
                "http": {"request": {"method": "POST"}, "response": {"status_code": 200}},
                "url": {"path": "/v1/pay", "domain": "api.shop.example"},
                "resp_body": body.to_string(),
            }));
        }
    }
    let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("retried.jsonl");
    std::fs::write(&path, text).expect("write");
    let j = analyze(&path);
    assert_eq!(j["summary"]["failures"], 280);
    let first = &j["root_causes"][0];
    assert_eq!(first["rule"], "auth.rejected_in_body", "{:#}", j["root_causes"]);
    let folded: Vec<&str> = first["symptoms"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(folded.contains(&"client.retry_storm"), "{folded:?}");
    let template = j["error_templates"][0]["template"].as_str().unwrap_or("");
    assert!(
        template.starts_with("business error 10021 in a 2xx response"),
        "{template}"
    );
}
