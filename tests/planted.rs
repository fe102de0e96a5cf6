//! Issue 7's acceptance test: more than 30 distinct secrets planted in
//! every location (headers, cookies, query parameters, URL path, JWTs,
//! JSON, form and multipart bodies of requests and responses, log message
//! text) across a HAR, a JSON-lines log and an Elasticsearch export, and
//! (issue 28) the places a field list misses: parsed query strings and
//! form params, WebSocket frames, `_initiator` stacks, comments, page
//! titles, base64 bodies, unknown `_` extensions and JSON inside strings
//! inside strings. No
//! output of analyze (every format), export, timeline, trace or sanitize
//! may contain any of them, raw, base64-encoded, URL-encoded or
//! JSON-escaped.

mod common;

use base64::Engine as _;
use serde_json::json;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A JWT whose claims include personal data.
fn jwt(sub: &str, sig: &str) -> String {
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(&format!(
            r#"{{"sub":"{sub}","email":"{sub}@example.org","exp":1714557600}}"#
        )),
        b64(sig)
    )
}

struct Planted {
    secrets: Vec<String>,
}

impl Planted {
    fn add(&mut self, s: impl Into<String>) -> String {
        let s = s.into();
        self.secrets.push(s.clone());
        s
    }
}

fn plant(dir: &std::path::Path) -> (Planted, Vec<String>) {
    let mut p = Planted { secrets: Vec::new() };
    let bearer = p.add(jwt("user-4471", "sig-AAAAaaaa1111"));
    let basic = p.add(base64::engine::general_purpose::STANDARD.encode("svc-user:Basic-Pass-0931"));
    let cookie = p.add("cookieSess-8f7e6d5c4b3a");
    let api_key = p.add("apikey-Hdr-55aa77bb99cc");
    let auth_token = p.add("xAuthTok-31415926535");
    let amz_token = p.add("FQoGZXIvYXdzEJr-amzSessTok-2718");
    let q_access = p.add("qAccessTok-1a2b3c4d5e");
    let q_api = p.add("qApiKey-6f7g8h9i0j");
    let q_sig = p.add("qSig-0k1l2m3n4o5p");
    let q_amz_sig = p.add("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4");
    let q_amz_cred = p.add("AKIDEXAMPLEQAMZCRED%2F20240501");
    let q_code = p.add("oauthCode-77xx88yy");
    let q_client_secret = p.add("clientSecret-Q-4242");
    let q_saml = p.add("PHNhbWxwOlJlc3BvbnNlIHNhbWw9InNlY3JldCI-");
    let q_password = p.add("qPassw0rd-Zz9");
    let q_id_token = p.add(jwt("user-9001", "sig-BBBBbbbb2222"));
    let q_refresh = p.add("qRefresh-13579bdf");
    let body_password = p.add("bodyPass-Json-2468");
    let body_client_secret = p.add("bodyClientSecret-Deep-1357");
    let body_refresh = p.add("bodyRefreshArr-9753");
    let form_password = p.add("formPass-Word-8642");
    let form_api_key = p.add("formApiKey-7531");
    let multipart_password = p.add("multipartPass-1122");
    let set_cookie = p.add("setCookieSess-3344");
    let resp_access = p.add("respAccessTok-5566");
    let resp_api_key = p.add("respApiKey-7788");
    let resp_jwt = p.add(jwt("user-1234", "sig-CCCCcccc3333"));
    let path_token = p.add("Xk9fQ2mZt7LpR4vW8yB3nC6dE1aH5jKs");
    let msg_bearer = p.add("msgBearerTok-9911aa");
    let msg_password = p.add("msgPassword-2233bb");
    let stripe = p.add("sk_live_51HxYzAbCdEfGhIjKlMn");
    let aws = p.add("AKIAIOSFODNN7EXAMPLE");
    let es_token = p.add("esTokenValue-4455cc");
    let es_secret = p.add("esBodySecret-6677dd");
    let es_jwt = p.add(jwt("user-5678", "sig-DDDDdddd4444"));
    // Issue 28: places sanitize once missed because it listed fields.
    let params_password = p.add("paramsPass-Word-4321");
    let ws_token = p.add("wsFrameTok-A1b2C3d4E5");
    let ws_text_jwt = p.add(jwt("user-ws", "sig-EEEEeeee5555"));
    let initiator_key = p.add("initiatorKey-66ff77ee");
    let comment_token = p.add("commentBearer-88dd99cc");
    let page_code = p.add("pageTitleCode-3x4y5z");
    let ext_secret = p.add("vendorExtSecret-1928");
    let b64_token = p.add("base64BodyTok-7a6b5c");
    let nested_secret = p.add("nestedTwiceSecret-5e4d");
    let log_body_secret = p.add("logBodySecret-2c3d4e");
    let log_ext_token = p.add("logExtToken-9z8y7x");
    let es_nested_key = p.add("esNestedApiKey-6h5g4f");

    let mut entries = Vec::new();
    for i in 0..10 {
        let status = if i >= 3 { 401 } else { 200 };
        let url = format!(
            "https://api.example.com/v1/reset/{path_token}/orders?access_token={q_access}&api_key={q_api}&sig={q_sig}\
             &X-Amz-Signature={q_amz_sig}&X-Amz-Credential={q_amz_cred}&code={q_code}&client_secret={q_client_secret}\
             &SAMLResponse={q_saml}&password={q_password}&id_token={q_id_token}&refresh_token={q_refresh}&page={i}"
        );
        let post = match i % 3 {
            0 => {
                json!({"mimeType": "application/json", "text": json!({"user": "bob", "password": body_password,
                    "nested": {"deeper": {"client_secret": body_client_secret}}, "tokens": [{"refresh_token": body_refresh}]}).to_string()})
            }
            1 => json!({"mimeType": "application/x-www-form-urlencoded",
                    "text": format!("username=bob&password={form_password}&api_key={form_api_key}")}),
            _ => json!({"mimeType": "multipart/form-data; boundary=XyZ",
                    "text": format!("--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nbob\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{multipart_password}\r\n--XyZ--\r\n")}),
        };
        entries.push(json!({
            "startedDateTime": format!("2024-05-01T10:00:{:02}.000Z", i * 5),
            "time": 50.0,
            "request": {
                "method": "POST", "url": url, "httpVersion": "h2",
                "headers": [
                    {"name": "Authorization", "value": format!("Bearer {bearer}")},
                    {"name": "Proxy-Authorization", "value": format!("Basic {basic}")},
                    {"name": "Cookie", "value": format!("session={cookie}")},
                    {"name": "X-Api-Key", "value": api_key},
                    {"name": "X-Auth-Token", "value": auth_token},
                    {"name": "X-Amz-Security-Token", "value": amz_token},
                    {"name": "traceparent", "value": format!("00-{:032x}-00f067aa0ba902b7-01", i + 1)}
                ],
                "queryString": [
                    {"name": "access_token", "value": q_access}, {"name": "password", "value": q_password},
                    {"name": "code", "value": q_code}, {"name": "X-Amz-Signature", "value": q_amz_sig},
                    {"name": "page", "value": i.to_string()}
                ],
                "cookies": [{"name": "session", "value": cookie}],
                "headersSize": -1, "bodySize": 100, "postData": if i == 4 {
                    json!({"mimeType": "application/x-www-form-urlencoded", "text": "",
                        "params": [{"name": "user", "value": "bob"}, {"name": "password", "value": params_password}]})
                } else { post }
            },
            "response": {
                "status": status, "statusText": "", "httpVersion": "h2",
                "headers": [{"name": "Set-Cookie", "value": format!("sid={set_cookie}; HttpOnly")},
                            {"name": "WWW-Authenticate", "value": "Bearer error=\"invalid_token\""}],
                "cookies": [{"name": "sid", "value": set_cookie}],
                "content": match i {
                    5 => json!({"size": 60, "mimeType": "application/json", "encoding": "base64",
                        "text": base64::engine::general_purpose::STANDARD.encode(json!({"session_token": b64_token}).to_string())}),
                    6 => json!({"size": 60, "mimeType": "application/json",
                        "text": json!({"payload": json!({"client_secret": nested_secret}).to_string()}).to_string()}),
                    _ => json!({"size": 100, "mimeType": "application/json",
                        "text": json!({"access_token": resp_access, "data": {"apiKey": resp_api_key}, "note": format!("issued {resp_jwt}")}).to_string()}),
                },
                "redirectURL": "", "headersSize": -1, "bodySize": 100
            },
            "cache": {}, "timings": {"send": 0, "wait": 48, "receive": 1},
            "_webSocketMessages": [
                {"type": "send", "time": 1.0, "opcode": 1, "data": json!({"op": "auth", "token": ws_token}).to_string()},
                {"type": "send", "time": 1.2, "opcode": 1, "data": format!("AUTH {ws_text_jwt}")}
            ],
            "_initiator": {"type": "script", "stack": {"callFrames": [
                {"functionName": "load", "url": format!("https://cdn.example.com/app.js?api_key={initiator_key}"), "lineNumber": 1}]}},
            "comment": format!("replayed with Authorization: Bearer {comment_token}"),
            "_vendorTrace": {"spans": [{"attrs": {"db": {"password": ext_secret}}}]}
        }));
    }
    let har = dir.join("customer.har");
    std::fs::write(
        &har,
        serde_json::to_string_pretty(&json!({"log": {"version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"id": "page_1", "startedDateTime": "2024-05-01T10:00:00.000Z", "pageTimings": {},
            "title": format!("https://app.example.com/callback?code={page_code}&state=abc")}],
        "comment": format!("exported after login, api_key={initiator_key}"),
        "entries": entries}}))
        .expect("har"),
    )
    .expect("write");

    let mut log = String::new();
    for i in 0..10 {
        let status = if i >= 3 { 401 } else { 200 };
        log.push_str(&json!({
            "@timestamp": format!("2024-05-01T10:00:{:02}.020Z", i * 5),
            "url.full": format!("https://api.example.com/v1/reset/{path_token}/orders?access_token={q_access}&page={i}"),
            "http.request.method": "POST",
            "http.response.status_code": status,
            "trace.id": format!("{:032x}", i + 1),
            "message": format!("denied: Authorization: Bearer {msg_bearer} password={msg_password} with {stripe} and {aws}"),
            "error.message": if status == 401 { format!("jwt expired: {bearer}") } else { String::new() },
            "http.response.body.content": json!({"refresh_token": log_body_secret, "ok": false}).to_string(),
            "_ingest": {"meta": [{"api_key": log_ext_token}]},
        }).to_string());
        log.push('\n');
    }
    let jsonl = dir.join("gateway.jsonl");
    std::fs::write(&jsonl, log).expect("write");

    let hits: Vec<_> = (0..10)
        .map(|i| {
            let status = if i >= 3 { 500 } else { 200 };
            json!({"_index": "logs-backend", "_id": format!("d{i}"), "_source": {
                "@timestamp": format!("2024-05-01T10:00:{:02}.040Z", i * 5),
                "service": {"name": "orders"},
                "url": {"full": format!("https://orders.internal/v1/orders?token={es_token}")},
                "http": {"response": {"status_code": status}, "request": {"body": {"content": json!({"secret": es_secret}).to_string()}}},
                "trace": {"id": format!("{:032x}", i + 1)},
                "message": format!("calling with token={es_token} and {es_jwt}"),
                "labels": {"request": json!({"headers": json!({"X-Api-Key": es_nested_key}).to_string()}).to_string()},
                "error": {"message": if status == 500 { format!("upstream refused {es_jwt}") } else { String::new() }}
            }})
        })
        .collect();
    let es = dir.join("backend-search.json");
    std::fs::write(
        &es,
        serde_json::to_string_pretty(&json!({"took": 3, "timed_out": false,
        "hits": {"total": {"value": 10, "relation": "eq"}, "hits": hits}}))
        .expect("es"),
    )
    .expect("write");
    let inputs = vec![
        har.display().to_string(),
        jsonl.display().to_string(),
        es.display().to_string(),
    ];
    (p, inputs)
}

fn check(p: &Planted, what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for s in &p.secrets {
        for f in common::secret_forms(s) {
            assert!(!text.contains(&f), "{what} leaks {f} (planted {s})");
        }
    }
}

#[test]
fn forty_planted_secrets_never_reach_an_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (p, inputs) = plant(tmp.path());
    assert!(p.secrets.len() >= 45, "{} secrets", p.secrets.len());
    let ins: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let run = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(&ins);
        common::run(&a)
    };
    for format in ["text", "json", "md", "html"] {
        let out = run(&["analyze", "-q", "--explain", "--format", format]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        check(&p, &format!("analyze {format}"), &out.stdout);
        check(&p, "stderr", &out.stderr);
    }
    for ext in ["csv", "ndjson", "parquet"] {
        let f = tmp.path().join(format!("events.{ext}"));
        let out = run(&["export", "-q", "-o", &f.display().to_string()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        check(&p, &format!("export {ext}"), &std::fs::read(&f).expect("export"));
    }
    for format in ["md", "csv", "json"] {
        check(
            &p,
            &format!("timeline {format}"),
            &run(&["timeline", "-q", "--format", format]).stdout,
        );
    }
    check(
        &p,
        "trace",
        &run(&["trace", "-q", "00000000000000000000000000000004"]).stdout,
    );
    // The check itself works: with redaction off, the same export leaks.
    let f = tmp.path().join("unsafe.csv");
    run(&[
        "export",
        "-q",
        "--unsafe-include-secrets",
        "-o",
        &f.display().to_string(),
    ]);
    let unsafe_csv = String::from_utf8_lossy(&std::fs::read(&f).expect("export")).to_string();
    let leaked = p
        .secrets
        .iter()
        .filter(|s| unsafe_csv.contains(s.as_str()))
        .count();
    assert!(leaked >= 5, "only {leaked} secrets visible with redaction off");
    for input in &inputs {
        let out_path = tmp.path().join("clean.out");
        let out = common::run(&["sanitize", input, "-o", &out_path.display().to_string()]);
        assert!(
            out.status.success(),
            "{input}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check(
            &p,
            &format!("sanitize {input}"),
            &std::fs::read(&out_path).expect("clean"),
        );
        check(
            &p,
            "manifest",
            &std::fs::read(format!("{}.manifest.json", out_path.display())).expect("manifest"),
        );
        check(
            &p,
            "dry run",
            &common::run(&["sanitize", "--dry-run", input]).stdout,
        );
    }
}

#[test]
fn sanitized_samples_give_the_same_root_causes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for sample in [
        "token-expiry",
        "mixed-sources",
        "upstream-timeout",
        "server-errors",
    ] {
        let dir = common::root().join("samples").join(sample);
        let mut originals: Vec<String> = std::fs::read_dir(&dir)
            .expect("sample")
            .flatten()
            .map(|e| e.path().display().to_string())
            .collect();
        originals.sort();
        let mut cleaned = Vec::new();
        for (i, input) in originals.iter().enumerate() {
            let name = std::path::Path::new(input)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            let out = tmp.path().join(format!("{sample}-{i}-{name}"));
            let run = common::run(&["sanitize", input, "-o", &out.display().to_string()]);
            assert!(
                run.status.success(),
                "{input}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            cleaned.push(out.display().to_string());
        }
        let causes = |inputs: &[String]| -> Vec<(String, String, u64)> {
            let mut args = vec!["analyze", "-q", "--format", "json"];
            args.extend(inputs.iter().map(String::as_str));
            let r: serde_json::Value = serde_json::from_slice(&common::run(&args).stdout).expect("json");
            r["root_causes"]
                .as_array()
                .expect("causes")
                .iter()
                .map(|c| {
                    (
                        c["category"].to_string(),
                        c["subject"]["host"].to_string(),
                        c["events"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        };
        assert_eq!(causes(&originals), causes(&cleaned), "{sample}");
    }
}
