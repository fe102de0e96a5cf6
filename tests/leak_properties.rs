//! Property test of redaction (issue 28): a random secret (a JWT, an opaque
//! token, an AWS key or a password) is planted at a random place of a
//! generated HAR, JSON-lines record and Elasticsearch hit, and must appear
//! in no output of `sanitize`, `analyze` (text, JSON, Markdown, HTML) or
//! `export` (CSV, NDJSON, Parquet read back), raw, URL-encoded,
//! JSON-escaped or base64 (standard or URL-safe, at any alignment).
//!
//! Places include `queryString`, `postData.params` and `postData.text`
//! (JSON and form), headers, cookies, plain and base64 response bodies,
//! WebSocket frames, `_initiator` stacks, comments, page titles, unknown
//! `_` extensions at any depth, and JSON inside strings inside strings.
//!
//! A secret is carried the way real inputs carry it: under a name that
//! marks a secret, inside text that says what it is (`Bearer …`,
//! `password=…`, a query parameter, JSON text), or bare. Bare secrets are
//! only those recognizable by shape: JWTs, AWS keys and opaque tokens that
//! mix upper case, lower case and digits. A bare password, or a token
//! without digits, looks like any other word, and no tool can tell.
//!
//! The rendering is checked in process, before the output gate of the
//! binary would refuse it: this tests the redaction itself. The seed is
//! fixed; a failure names the case to replay.

#![cfg(feature = "export")]

use base64::Engine as _;
use serde_json::{json, Value};

use logsleuth::app::{analyze, AnalyzeOptions};
use logsleuth::report::OutputFormat;

const SEED: u64 = 0x5eed_0028;
const CASES: usize = 300;

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

const BASE62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Jwt,
    Opaque,
    Aws,
    Password,
}

fn b64url(s: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn secret(rng: &mut Rng, kind: Kind) -> String {
    match kind {
        Kind::Jwt => {
            let sub = rng.chars(b"abcdefghijklmnopqrstuvwxyz0123456789", 8);
            let sig: Vec<u8> = (0..32).map(|_| rng.next() as u8).collect();
            format!(
                "{}.{}.{}",
                b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
                b64url(format!(r#"{{"sub":"{sub}","exp":{}}}"#, 1_714_557_600 + rng.below(1000)).as_bytes()),
                b64url(&sig)
            )
        }
        Kind::Opaque => {
            let n = 32 + rng.below(16);
            rng.chars(BASE62, n)
        }
        Kind::Aws => format!("AKIA{}", rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
        Kind::Password => {
            let n = 10 + rng.below(8);
            let mut p = rng.chars(BASE62, n);
            p.push(char::from(*rng.pick(b"!@$^*-_.~")));
            p.push_str(&rng.chars(b"0123456789", 2));
            p
        }
    }
}

/// Whether a token can be told from a word by its shape alone.
fn shaped(s: &str, kind: Kind) -> bool {
    match kind {
        Kind::Jwt | Kind::Aws => true,
        Kind::Password => false,
        Kind::Opaque => {
            let b = s.as_bytes();
            b.iter().any(u8::is_ascii_uppercase)
                && b.iter().any(u8::is_ascii_lowercase)
                && b.iter().any(u8::is_ascii_digit)
        }
    }
}

const SECRET_NAMES: &[&str] = &[
    "password",
    "api_key",
    "X-Api-Key",
    "access_token",
    "refreshToken",
    "client_secret",
    "X-Auth-Token",
    "sessionid",
    "x-amz-security-token",
    "userPassword",
    "private_key",
];

/// How the secret is written where it is planted.
#[derive(Debug, Clone)]
enum Carrier {
    /// Under a name that marks a secret.
    Named(&'static str),
    /// Inside a text that says what it is.
    Text(String),
    /// Alone or in prose.
    Bare(String),
}

fn carrier(rng: &mut Rng, s: &str, kind: Kind) -> Carrier {
    let bearer_ok = kind != Kind::Password;
    loop {
        match rng.below(4) {
            0 => return Carrier::Named(rng.pick::<&str>(SECRET_NAMES)),
            1 => {
                let texts = [
                    format!("login failed password={s} for user 7"),
                    format!("retry with {}={s}", rng.pick(SECRET_NAMES)),
                    format!("redirect to https://api.example.com/cb?state=xyz&code={s}&lang=en"),
                    format!(
                        "GET /v1/data?page=2&{}={s}",
                        rng.pick(&["access_token", "api_key", "sig", "X-Amz-Signature"])
                    ),
                    format!("{{\"{}\":\"{s}\",\"n\":1}}", rng.pick(SECRET_NAMES)),
                ];
                return Carrier::Text(rng.pick(&texts).clone());
            }
            2 if bearer_ok => {
                let texts = [
                    format!("Bearer {s}"),
                    format!("upstream said: Authorization: Bearer {s}"),
                    format!(
                        "Authorization: Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(format!("svc:{s}"))
                    ),
                ];
                return Carrier::Text(rng.pick(&texts).clone());
            }
            3 if shaped(s, kind) => {
                let texts = [s.to_string(), format!("the value {s} was rejected")];
                return Carrier::Bare(rng.pick(&texts).clone());
            }
            _ => {}
        }
    }
}

/// The text of a carrier where only a string fits.
fn as_text(c: &Carrier, s: &str) -> String {
    match c {
        Carrier::Named(n) => format!("{n}={s}"),
        Carrier::Text(t) | Carrier::Bare(t) => t.clone(),
    }
}

/// A `{name, value}` pair carrying the secret.
fn pair(c: &Carrier, s: &str) -> Value {
    match c {
        Carrier::Named(n) => json!({"name": n, "value": s}),
        Carrier::Text(t) | Carrier::Bare(t) => json!({"name": "note", "value": t}),
    }
}

/// A JSON object carrying the secret, nested `depth` levels down.
fn object(c: &Carrier, s: &str, depth: usize) -> Value {
    let mut v = match c {
        Carrier::Named(n) => json!({ *n: s, "n": 1 }),
        Carrier::Text(t) | Carrier::Bare(t) => json!({"detail": t, "n": 1}),
    };
    for d in 0..depth {
        v = if d % 2 == 0 {
            json!({"data": v, "ok": true})
        } else {
            json!([{"x": 1}, v])
        };
    }
    v
}

fn base_entry(i: usize) -> Value {
    let status = if i % 3 == 2 { 401 } else { 200 };
    json!({
        "startedDateTime": format!("2024-05-01T10:00:{:02}.000Z", i * 4),
        "time": 30.0,
        "request": {"method": "POST", "url": format!("https://api.example.com/v1/orders/{i}"), "httpVersion": "h2",
            "headers": [{"name": "Accept", "value": "application/json"}],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "h2", "headers": [], "cookies": [],
            "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
            "redirectURL": "", "headersSize": -1, "bodySize": 2},
        "cache": {}, "timings": {"send": 0, "wait": 28, "receive": 1}
    })
}

/// A HAR with the secret at one of its places; returns the place's name.
fn har(rng: &mut Rng, s: &str, c: &Carrier) -> (Value, &'static str) {
    let mut entries: Vec<Value> = (0..6).map(base_entry).collect();
    let at = rng.below(entries.len());
    let e = &mut entries[at];
    let text = as_text(c, s);
    let mut doc = json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"id": "page_1", "title": "Orders", "startedDateTime": "2024-05-01T10:00:00.000Z", "pageTimings": {}}]}});
    let place = match rng.below(15) {
        0 => {
            e["request"]["queryString"] = json!([{"name": "page", "value": "2"}, pair(c, s)]);
            "queryString"
        }
        1 => {
            e["request"]["postData"] = json!({"mimeType": "application/x-www-form-urlencoded", "text": "",
                "params": [{"name": "user", "value": "u"}, pair(c, s)]});
            "postData.params"
        }
        2 => {
            e["request"]["postData"] =
                json!({"mimeType": "application/json", "text": object(c, s, rng.below(3)).to_string()});
            "postData.text (JSON)"
        }
        3 => {
            let body = match c {
                Carrier::Named(n) => format!("user=u&{n}={s}"),
                _ => format!("user=u&note={}", form_encode(&text)),
            };
            e["request"]["postData"] = json!({"mimeType": "application/x-www-form-urlencoded", "text": body});
            "postData.text (form)"
        }
        4 => {
            if let Some(h) = e["request"]["headers"].as_array_mut() {
                h.push(pair(c, s));
            }
            "request.headers"
        }
        5 => {
            e["request"]["cookies"] =
                json!([{"name": "prefs", "value": "dark"}, {"name": "sid", "value": s, "path": "/"}]);
            "request.cookies"
        }
        6 => {
            if let Some(h) = e["response"]["headers"].as_array_mut() {
                h.push(pair(c, s));
            }
            "response.headers"
        }
        7 => {
            e["response"]["content"]["text"] = json!(object(c, s, rng.below(4)).to_string());
            "content.text"
        }
        8 => {
            let body = object(c, s, rng.below(3)).to_string();
            e["response"]["content"] = json!({"size": body.len(), "mimeType": "application/json", "encoding": "base64",
                "text": base64::engine::general_purpose::STANDARD.encode(body)});
            "content.text (base64)"
        }
        9 => {
            let data = if rng.below(2) == 0 {
                object(c, s, 1).to_string()
            } else {
                text.clone()
            };
            e["_webSocketMessages"] = json!([{"type": "receive", "time": 1.5, "opcode": 1, "data": "hello"},
                {"type": "send", "time": 1.7, "opcode": 1, "data": data}]);
            "_webSocketMessages"
        }
        10 => {
            e["_initiator"] = json!({"type": "script", "stack": {"callFrames": [
                {"functionName": "load", "scriptId": "12", "url": format!("https://cdn.example.com/app.js?{}", text.replace(' ', "%20")), "lineNumber": 3}]}});
            "_initiator"
        }
        11 => {
            e["comment"] = json!(text);
            "comment"
        }
        12 => {
            doc["log"]["pages"][0]["title"] = json!(text);
            "pages[].title"
        }
        13 => {
            let name = format!("_{}", rng.chars(b"abcdefghijklmnopqrstuvwxyz", 6));
            e[name.as_str()] = object(c, s, 1 + rng.below(4));
            "unknown _ extension"
        }
        _ => {
            let inner = object(c, s, rng.below(2)).to_string();
            e["response"]["content"]["text"] = json!(json!({"payload": inner, "v": 2}).to_string());
            "JSON in a string in a string"
        }
    };
    doc["log"]["entries"] = Value::Array(entries);
    (doc, place)
}

/// A JSON-lines record, every other one failing.
fn base_record(i: usize) -> Value {
    json!({
        "@timestamp": format!("2024-05-01T10:00:{:02}.100Z", i * 4),
        "http": {"request": {"method": "GET"}, "response": {"status_code": if i % 2 == 0 { 500 } else { 200 }}},
        "url": {"full": format!("https://api.example.com/v1/orders/{i}")},
        "message": "request handled",
    })
}

/// A JSON-lines record with the secret at one of its places.
fn record(rng: &mut Rng, s: &str, c: &Carrier, i: usize) -> (Value, &'static str) {
    let mut r = base_record(i);
    let text = as_text(c, s);
    let place = match rng.below(8) {
        0 => {
            match c {
                Carrier::Named(n) => r[*n] = json!(s),
                _ => r["detail"] = json!(text),
            }
            "top-level field"
        }
        1 => {
            r["http"]["request"]["headers"] = object(c, s, rng.below(3));
            "nested object"
        }
        2 => {
            r["message"] = json!(format!("upstream failed: {text}"));
            "message"
        }
        3 => {
            r["http"]["response"]["body"] = json!({"content": object(c, s, rng.below(2)).to_string()});
            "body as an escaped JSON string"
        }
        4 => {
            let inner = object(c, s, 0).to_string();
            r["attributes"] = json!({"payload": json!({"inner": inner}).to_string()});
            "JSON in a string in a string"
        }
        5 => {
            r["events"] = json!([{"name": "a"}, object(c, s, 0)]);
            "array of objects"
        }
        6 => {
            let name = format!("_{}", rng.chars(b"abcdefghijklmnopqrstuvwxyz", 5));
            r[name.as_str()] = object(c, s, 1 + rng.below(3));
            "unknown _ field"
        }
        _ => {
            let q = match c {
                Carrier::Named(n) => format!("{n}={s}"),
                _ => format!("note={}", form_encode(&text)),
            };
            r["url"]["full"] = json!(format!("https://api.example.com/v1/orders/{i}?page=1&{q}"));
            "url.full query"
        }
    };
    (r, place)
}

/// Text as a form or query value: spaces as `+`, `&`, `=` and `+` escaped.
fn form_encode(t: &str) -> String {
    t.replace('%', "%25")
        .replace('+', "%2B")
        .replace('&', "%26")
        .replace('=', "%3D")
        .replace(' ', "+")
}

fn check(what: &str, bytes: &[u8], s: &str, case: &str) {
    let text = String::from_utf8_lossy(bytes);
    let std64 = &base64::engine::general_purpose::STANDARD;
    let url64 = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut forms: Vec<String> = vec![s.to_string()];
    forms.push(
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    );
    forms.push(
        serde_json::to_string(s)
            .expect("json")
            .trim_matches('"')
            .to_string(),
    );
    for shift in 0..3 {
        for engine in [std64, url64] {
            let mut buf = vec![b'x'; shift];
            buf.extend_from_slice(s.as_bytes());
            let enc = engine.encode(&buf);
            let start = (8 * shift).div_ceil(6);
            let end = 8 * buf.len() / 6;
            forms.push(enc[start..end].trim_end_matches('=').to_string());
        }
    }
    for f in forms {
        assert!(!text.contains(&f), "{case}: {what} holds the secret (as {f:?})");
    }
}

#[test]
fn a_secret_planted_anywhere_reaches_no_output() {
    let mut rng = Rng(SEED);
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut places = std::collections::BTreeMap::<String, usize>::new();
    for n in 0..CASES {
        let kind = *rng.pick(&[Kind::Jwt, Kind::Opaque, Kind::Aws, Kind::Password]);
        let s = secret(&mut rng, kind);
        let dir = tmp.path().join(format!("case{n}"));
        std::fs::create_dir(&dir).expect("dir");

        let c = carrier(&mut rng, &s, kind);
        let (har_doc, har_place) = har(&mut rng, &s, &c);
        let c2 = carrier(&mut rng, &s, kind);
        let at = rng.below(6);
        let mut lines = String::new();
        let mut jsonl_place = "";
        for i in 0..6 {
            if i == at {
                let (r, p) = record(&mut rng, &s, &c2, i);
                jsonl_place = p;
                lines.push_str(&r.to_string());
            } else {
                lines.push_str(&base_record(i).to_string());
            }
            lines.push('\n');
        }
        let c3 = carrier(&mut rng, &s, kind);
        let (source, es_place) = record(&mut rng, &s, &c3, 3);
        let es_doc = json!({"took": 2, "timed_out": false, "hits": {"total": {"value": 2, "relation": "eq"}, "hits": [
            {"_index": "logs", "_id": "a", "_source": base_record(1)},
            {"_index": "logs", "_id": "b", "_source": source}
        ]}});
        let case = format!(
            "case {n} (seed {SEED:#x}): {kind:?} via {c:?} at HAR {har_place}, {c2:?} at JSON-lines {jsonl_place}, {c3:?} at ES {es_place}"
        );
        *places.entry(format!("HAR {har_place}")).or_default() += 1;
        *places.entry(format!("JSON lines {jsonl_place}")).or_default() += 1;

        let har_path = dir.join("client.har");
        let jsonl_path = dir.join("app.jsonl");
        let es_path = dir.join("search.json");
        std::fs::write(&har_path, serde_json::to_vec_pretty(&har_doc).expect("har")).expect("write");
        std::fs::write(&jsonl_path, &lines).expect("write");
        std::fs::write(&es_path, serde_json::to_vec_pretty(&es_doc).expect("es")).expect("write");

        // sanitize
        let sanitized = [
            logsleuth::sanitize::har(&std::fs::read(&har_path).expect("read")),
            logsleuth::sanitize::json(lines.as_bytes(), false),
            logsleuth::sanitize::json(&std::fs::read(&es_path).expect("read"), true),
        ];
        for (what, out) in ["sanitize HAR", "sanitize JSON lines", "sanitize ES"]
            .iter()
            .zip(sanitized)
        {
            let out = out.unwrap_or_else(|e| panic!("{case}: {what}: {e}"));
            assert!(out.survivors.is_empty(), "{case}: {what}: {:?}", out.survivors);
            check(what, &out.bytes, &s, &case);
        }

        // analyze, every report format
        let opts = AnalyzeOptions::of_inputs(
            [&har_path, &jsonl_path, &es_path]
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        );
        let analysis = analyze(&opts).unwrap_or_else(|e| panic!("{case}: analyze: {e}"));
        assert!(analysis.errors.is_empty(), "{case}: {:?}", analysis.errors);
        for format in [
            OutputFormat::Text,
            OutputFormat::Json,
            OutputFormat::Md,
            OutputFormat::Html,
        ] {
            let mut buf = Vec::new();
            logsleuth::report::render(&analysis.report, format, false, true, &mut buf).expect("render");
            check(&format!("analyze {format:?}"), &buf, &s, &case);
        }

        // export, every table format (Parquet read back: its pages are compressed)
        let loaded = logsleuth::app::load(&opts).unwrap_or_else(|e| panic!("{case}: load: {e}"));
        let frame = logsleuth::report::table::build(&loaded.events, &loaded.sources).expect("table");
        for (ext, format) in [
            ("csv", logsleuth::report::export::ExportFormat::Csv),
            ("ndjson", logsleuth::report::export::ExportFormat::Ndjson),
            ("parquet", logsleuth::report::export::ExportFormat::Parquet),
        ] {
            let path = dir.join(format!("events.{ext}"));
            let mut f = std::fs::File::create(&path).expect("create");
            logsleuth::report::export::write(&mut frame.clone(), format, &mut f).expect("export");
            let bytes = if ext == "parquet" {
                use polars::prelude::*;
                let file = std::fs::File::open(&path).expect("open");
                let mut df = ParquetReader::new(file).finish().expect("read parquet");
                let mut out = Vec::new();
                CsvWriter::new(&mut out).finish(&mut df).expect("csv");
                out
            } else {
                std::fs::read(&path).expect("read")
            };
            check(&format!("export {ext}"), &bytes, &s, &case);
        }
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
    // Every place was drawn.
    assert!(places.len() >= 20, "{places:?}");
}
