//! Sanitizing inputs so they can be forwarded: a HAR stays a valid HAR
//! (same entries in the same order, same timings, statuses and sizes) and
//! JSON lines or an Elasticsearch export stay valid JSON, with every secret
//! replaced by its fingerprint, so the same token still groups requests.
//!
//! Every value of the document is visited ([`walk`]), whatever its path,
//! and goes through the redaction that analyze uses. Each secret replaced
//! is gathered on the way; before the result is handed back, the output
//! bytes are searched for every one of them in every encoding
//! ([`crate::redact::guard`]). A survivor is named by its JSON path, never
//! by its value, and the caller must not write the output.
//!
//! Pure: bytes in, bytes, manifest and survivors out; the command writes.

mod walk;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::redact::{collect, guard::Guard};
use walk::{Ctx, Walker};

/// What was replaced, by kind and by path. Counts only.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Manifest {
    /// Secrets replaced in all.
    pub total: u64,
    /// By kind: `authorization`, `cookie`, `named_secret` (a value under a
    /// name that marks a secret), `form_field`, `free_text` (secrets found
    /// by their shape inside a value), `repeated_secret` (a value replaced
    /// elsewhere, found again in a place that did not look secret).
    pub by_kind: BTreeMap<String, u64>,
    /// By JSON path, array indices as `[*]` and `{name, value}` pairs by
    /// their name: `log.entries[*].request.headers[Authorization]`.
    pub by_location: BTreeMap<String, u64>,
    /// Records (HAR entries, lines, search hits) with at least one secret.
    pub records_with_secrets: u64,
    /// Records in the input.
    pub records: u64,
    /// Distinct secrets the leak check searched the output for.
    pub secrets_checked: u64,
    /// Base64 bodies that are not text (images, protobuf): left as they are.
    pub binary_bodies: u64,
    /// Values nested too deep to visit: left as they are.
    pub too_deep: u64,
}

impl Manifest {
    fn note(&mut self, kind: &str, location: &str) {
        self.total += 1;
        if let Some(n) = self.by_kind.get_mut(kind) {
            *n += 1;
        } else {
            self.by_kind.insert(kind.to_string(), 1);
        }
        if let Some(n) = self.by_location.get_mut(location) {
            *n += 1;
        } else {
            self.by_location.insert(location.to_string(), 1);
        }
    }
}

/// A sanitized copy and what the leak check found in it.
#[derive(Debug)]
pub struct Sanitized {
    /// The copy, in the input's format.
    pub bytes: Vec<u8>,
    /// What was replaced.
    pub manifest: Manifest,
    /// Where a replaced secret still appears in `bytes`: JSON paths (with
    /// the line for JSON lines), never values. Empty when the copy is safe
    /// to keep.
    pub survivors: Vec<String>,
}

/// Sanitize a HAR document. Errors when it is not a JSON object with
/// `log.entries`.
pub fn har(bytes: &[u8]) -> Result<Sanitized, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    if !doc
        .get("log")
        .and_then(|l| l.get("entries"))
        .is_some_and(Value::is_array)
    {
        return Err("no log.entries array: not a HAR".into());
    }
    document(doc, Some(&["log", "entries"]))
}

/// Sanitize a whole JSON document, whose records (if it has an array of
/// them) are the array at `records`.
fn document(mut doc: Value, records: Option<&[&str]>) -> Result<Sanitized, String> {
    let mut m = Manifest::default();
    let ((), gathered) = collect::scoped(|| match records {
        Some(at) => walk_records(&mut doc, at, &mut m),
        None => {
            m.records = 1;
            if Walker::new(&mut m, "").visit(&mut doc, Ctx::Plain, 0) {
                m.records_with_secrets = 1;
            }
        }
    });
    let guard = Guard::new(&gathered.secrets);
    let out = pretty_scrubbed(&mut doc, &guard, &mut m)?;
    finish(out, m, &guard, |g, _| survivors_in(&doc, "", g))
}

/// `doc` written out, after a second pass that replaces the secrets it
/// still holds in places the walk did not recognize (a cookie's value
/// repeated in a query string), if there are any.
fn pretty_scrubbed(doc: &mut Value, guard: &Guard, m: &mut Manifest) -> Result<Vec<u8>, String> {
    let out = serde_json::to_vec_pretty(doc).map_err(|e| e.to_string())?;
    if !guard.leaks(&out) {
        return Ok(out);
    }
    scrub(doc, &mut String::new(), guard, m);
    serde_json::to_vec_pretty(doc).map_err(|e| e.to_string())
}

/// Replace, in every string of `v`, the secrets `guard` knows, noting each
/// string changed as a `repeated_secret` at its path.
fn scrub(v: &mut Value, path: &mut String, guard: &Guard, m: &mut Manifest) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                let mark = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&crate::redact::text(k));
                scrub(child, path, guard, m);
                path.truncate(mark);
            }
        }
        Value::Array(items) => {
            let mark = path.len();
            path.push_str("[*]");
            for item in items {
                scrub(item, path, guard, m);
            }
            path.truncate(mark);
        }
        Value::String(s) => {
            if let Some(r) = guard.scrub(s) {
                *s = r;
                m.note("repeated_secret", path);
            }
        }
        _ => {}
    }
}

/// Sanitize JSON lines (or a whole JSON document, such as an Elasticsearch
/// export, when `whole` is set). Lines that are not JSON are redacted as text.
pub fn json(bytes: &[u8], whole: bool) -> Result<Sanitized, String> {
    if whole {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
        // A search response's hits, an export's documents: the records.
        let hits = v
            .get("hits")
            .and_then(|h| h.get("hits"))
            .is_some_and(Value::is_array);
        return document(v, hits.then_some(&["hits", "hits"][..]));
    }
    let mut m = Manifest::default();
    let (out, gathered) = collect::scoped(|| lines(bytes, &mut m));
    let guard = Guard::new(&gathered.secrets);
    let out = if guard.leaks(&out) {
        scrub_lines(&out, &guard, &mut m)
    } else {
        out
    };
    finish(out, m, &guard, survivors_in_lines)
}

/// [`scrub`] for JSON lines: each line that holds a known secret.
fn scrub_lines(bytes: &[u8], guard: &Guard, m: &mut Manifest) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if !guard.leaks(line) {
            out.extend_from_slice(line);
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(mut v) => {
                scrub(&mut v, &mut String::new(), guard, m);
                out.extend_from_slice(v.to_string().as_bytes());
            }
            Err(_) => {
                let text = String::from_utf8_lossy(line);
                match guard.scrub(&text) {
                    Some(r) => {
                        m.note("repeated_secret", "(text)");
                        out.extend_from_slice(r.as_bytes());
                    }
                    None => out.extend_from_slice(line),
                }
            }
        }
    }
    out
}

/// Walk the array at `at` (a HAR's entries, a search response's hits) one
/// record at a time, counting records with secrets, then the rest of the
/// document (pages, creator, comments, aggregations).
fn walk_records(doc: &mut Value, at: &[&str], m: &mut Manifest) {
    let mut records = Vec::new();
    if let Some(Value::Array(items)) = at.iter().try_fold(&mut *doc, |v, k| v.get_mut(*k)) {
        records = std::mem::take(items);
    }
    let root = format!("{}[*]", at.join("."));
    for r in records.iter_mut() {
        m.records += 1;
        let before = m.total;
        Walker::new(m, &root).visit(r, Ctx::Plain, 0);
        if m.total > before {
            m.records_with_secrets += 1;
        }
    }
    Walker::new(m, "").visit(doc, Ctx::Plain, 0);
    if let Some(Value::Array(items)) = at.iter().try_fold(&mut *doc, |v, k| v.get_mut(*k)) {
        *items = records;
    }
}

/// Run the leak check on `bytes` and hand back the result; `locate` names
/// where the survivors are when there are any.
fn finish(
    bytes: Vec<u8>,
    mut m: Manifest,
    guard: &Guard,
    locate: impl FnOnce(&Guard, &[u8]) -> Vec<String>,
) -> Result<Sanitized, String> {
    m.secrets_checked = guard.checked() as u64;
    let found = guard.survivors(&bytes);
    let survivors = match found.first() {
        None => Vec::new(),
        Some(first) => {
            let mut at = locate(guard, &bytes);
            if at.is_empty() {
                let (line, col) = crate::redact::guard::line_col(&bytes, first.offset);
                at.push(format!("line {line}, column {col}"));
            }
            at
        }
    };
    Ok(Sanitized {
        bytes,
        manifest: m,
        survivors,
    })
}

/// Survivors are listed up to this many paths.
const MAX_SURVIVOR_PATHS: usize = 50;

/// The JSON paths in `v` (with indices) whose key or value holds a secret
/// that `guard` searches for.
fn survivors_in(v: &Value, prefix: &str, guard: &Guard) -> Vec<String> {
    fn go(v: &Value, path: &mut String, guard: &Guard, out: &mut Vec<String>) {
        if out.len() >= MAX_SURVIVOR_PATHS {
            return;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let mark = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    // A key that holds a secret is named by its place only.
                    if guard.leaks(k.as_bytes()) {
                        path.push_str("<key>");
                        out.push(path.clone());
                    } else {
                        path.push_str(k);
                    }
                    go(child, path, guard, out);
                    path.truncate(mark);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let mark = path.len();
                    path.push_str(&format!("[{i}]"));
                    go(child, path, guard, out);
                    path.truncate(mark);
                }
            }
            Value::String(s) if guard.leaks(s.as_bytes()) => out.push(path.clone()),
            Value::Number(n) if guard.leaks(n.to_string().as_bytes()) => out.push(path.clone()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut path = String::new();
    go(v, &mut path, guard, &mut out);
    out.into_iter()
        .map(|p| {
            if p.is_empty() {
                format!("{prefix}(the document)")
            } else {
                format!("{prefix}{p}")
            }
        })
        .collect()
}

/// The survivors of sanitized JSON lines, by line and path.
fn survivors_in_lines(guard: &Guard, bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if out.len() >= MAX_SURVIVOR_PATHS {
            break;
        }
        if !guard.leaks(line) {
            continue;
        }
        let prefix = format!("line {}: ", n + 1);
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => {
                let found = survivors_in(&v, &prefix, guard);
                if found.is_empty() {
                    out.push(format!("line {}", n + 1));
                }
                out.extend(found);
            }
            Err(_) => out.push(format!("line {} (not JSON)", n + 1)),
        }
    }
    out
}

/// Sanitize each line of JSON lines.
fn lines(bytes: &[u8], m: &mut Manifest) -> Vec<u8> {
    let text_in = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(bytes.len());
    for line in text_in.split_inclusive('\n') {
        let (body_s, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body_s.trim().is_empty() {
            out.push_str(line);
            continue;
        }
        m.records += 1;
        let before = m.total;
        match serde_json::from_str::<Value>(body_s) {
            Ok(mut v) => {
                if Walker::new(m, "").visit(&mut v, Ctx::Plain, 0) {
                    out.push_str(&v.to_string());
                } else {
                    out.push_str(body_s);
                }
            }
            Err(_) => {
                let mut s = body_s.to_string();
                Walker::new(m, "(text)").text(&mut s, "", 0);
                out.push_str(&s);
            }
        }
        out.push_str(nl);
        if m.total > before {
            m.records_with_secrets += 1;
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn clean(s: &Sanitized, secrets: &[&str]) -> String {
        assert!(s.survivors.is_empty(), "{:?}", s.survivors);
        let text = String::from_utf8(s.bytes.clone()).expect("utf8");
        for secret in secrets {
            for form in crate::redact::guard::forms(secret) {
                assert!(!text.contains(&form.1), "{secret} as {:?} in {text}", form.0);
            }
        }
        text
    }

    #[test]
    fn har_keeps_shape_and_loses_secrets_wherever_they_sit() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
        "pages": [{"id": "p1", "title": "https://a.example/cb?code=PageTitleCode9Xz&x=1"}],
        "comment": "shared with Authorization: Bearer commentTok-1a2B3c",
        "entries": [{
            "startedDateTime": "2024-05-01T10:00:00Z", "time": 12.5,
            "request": {"method": "POST", "url": "https://a.example/login?token=abc123XYZ&x=1",
                "headers": [{"name": "Authorization", "value": "Bearer sekret-value-1"}, {"name": "Accept", "value": "*/*"}],
                "cookies": [{"name": "sid", "value": "cookie-value-2", "path": "/"}],
                "queryString": [{"name": "code", "value": "oauthCode-77xx88yy"},
                                {"name": "X-Amz-Signature", "value": "a1b2c3d4e5f60718293a4b5c6d7e8f90"},
                                {"name": "x", "value": "1"}],
                "postData": {"mimeType": "application/x-www-form-urlencoded",
                    "text": "user=u&password=hunter2hunter2",
                    "params": [{"name": "password", "value": "hunter2hunter2"}, {"name": "user", "value": "u"}]},
                "headersSize": -1, "bodySize": 30},
            "response": {"status": 200, "headers": [{"name": "Set-Cookie", "value": "sid=cookie-value-3; HttpOnly"}],
                "content": {"size": 40, "mimeType": "application/json", "encoding": "base64",
                    "text": b64(r#"{"access_token":"at-secret-4","n":1}"#)},
                "redirectURL": "", "headersSize": -1, "bodySize": 40},
            "_webSocketMessages": [{"type": "send", "time": 1.0, "opcode": 1,
                "data": r#"{"op":"auth","token":"wsTok-9f8e7d6c5b"}"#}],
            "_initiator": {"type": "script", "stack": {"callFrames": [
                {"functionName": "f", "url": "https://a.example/app.js?api_key=initKey-5566aa"}]}},
            "_customVendorField": {"note": "retry with id_token=vendorTok-8877bb"},
            "timings": {"wait": 10}
        }]}});
        let input = serde_json::to_vec(&doc).expect("json");
        let out = har(&input).expect("sanitized");
        let secrets = [
            "PageTitleCode9Xz",
            "commentTok-1a2B3c",
            "abc123XYZ",
            "sekret-value-1",
            "cookie-value-2",
            "oauthCode-77xx88yy",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "hunter2hunter2",
            "cookie-value-3",
            "at-secret-4",
            "wsTok-9f8e7d6c5b",
            "initKey-5566aa",
            "vendorTok-8877bb",
        ];
        let text = clean(&out, &secrets);
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        let e = &v["log"]["entries"][0];
        assert_eq!(e["response"]["status"], 200);
        assert_eq!(e["time"], 12.5);
        assert_eq!(e["response"]["content"]["size"], 40);
        assert_eq!(e["request"]["cookies"][0]["path"], "/");
        assert!(e["request"]["headers"][0]["value"]
            .as_str()
            .is_some_and(|h| h.starts_with("Bearer tok:")));
        assert_eq!(e["request"]["headers"][1]["value"], "*/*");
        assert_eq!(e["request"]["queryString"][2]["value"], "1");
        // The base64 body is still base64 of JSON, with a fingerprint.
        let body = base64::engine::general_purpose::STANDARD
            .decode(e["response"]["content"]["text"].as_str().expect("text"))
            .expect("base64");
        let body: Value = serde_json::from_slice(&body).expect("json body");
        assert!(body["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("tok:")));
        assert_eq!(body["n"], 1);
        // The same secret gets the same fingerprint wherever it was.
        assert_eq!(
            e["request"]["postData"]["params"][0]["value"],
            serde_json::json!(crate::redact::fingerprint("hunter2hunter2"))
        );
        let m = &out.manifest;
        assert_eq!((m.records, m.records_with_secrets), (1, 1));
        assert!(m.secrets_checked >= 10, "{m:?}");
        for path in [
            "log.entries[*].request.queryString[code]",
            "log.entries[*].request.headers[Authorization]",
            "log.entries[*].request.cookies[sid]",
            "log.entries[*]._webSocketMessages[*].data(json).token",
            "log.entries[*].response.content.text(base64)(json).access_token",
        ] {
            assert!(
                m.by_location.contains_key(path),
                "{path} not in {:?}",
                m.by_location
            );
        }
    }

    #[test]
    fn business_codes_and_ids_are_not_secrets() {
        let line = br#"{"code":4001,"msg":"sign verification failed","order":{"code":"ORDER_NOT_FOUND","country_code":"DE"},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","max_tokens":128}"#;
        let out = json(line, false).expect("sanitized");
        assert_eq!(out.bytes, line.to_vec());
        assert_eq!(out.manifest.total, 0);
    }

    #[test]
    fn multipart_parts_named_like_secrets() {
        let b = "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nbob\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nmultipart-secret-9\r\n--XyZ--\r\n";
        let line = serde_json::json!({"body": b}).to_string();
        let out = json(line.as_bytes(), false).expect("sanitized");
        let text = clean(&out, &["multipart-secret-9"]);
        assert!(text.contains("bob"), "{text}");
        assert_eq!(out.manifest.by_kind.get("form_field"), Some(&1));
    }

    #[test]
    fn json_lines_keep_lines() {
        let text = b"{\"msg\":\"login\",\"password\":\"p4ssw0rd!\"}\nnot json Authorization: Bearer abcdef123456\n\n{\"ok\":true}\n";
        let out = json(text, false).expect("sanitized");
        let s = clean(&out, &["p4ssw0rd!", "abcdef123456"]);
        assert_eq!(s.lines().count(), 4);
        assert!(s.ends_with("{\"ok\":true}\n"));
        assert_eq!(out.manifest.records, 3);
        assert_eq!(out.manifest.records_with_secrets, 2);
    }

    #[test]
    fn search_hits_are_the_records_of_an_export() {
        let doc = serde_json::json!({"took": 1, "hits": {"hits": [
            {"_id": "a", "_source": {"message": "ok"}},
            {"_id": "b", "_source": {"http": {"request": {"body": {"content": "{\"secret\":\"esSecret-1234ab\"}"}}}}}
        ]}});
        let out = json(doc.to_string().as_bytes(), true).expect("sanitized");
        clean(&out, &["esSecret-1234ab"]);
        assert_eq!((out.manifest.records, out.manifest.records_with_secrets), (2, 1));
    }

    #[test]
    fn survivors_are_named_by_path_never_by_value() {
        let secret = "hunter2-Passw0rd!".to_string();
        let guard = Guard::new(std::slice::from_ref(&secret));
        let doc = serde_json::json!({"a": [{"b": "x"}, {"b": format!("pw {secret}")}]});
        let found = survivors_in(&doc, "", &guard);
        assert_eq!(found, vec!["a[1].b".to_string()]);
        let lines = format!("{{\"m\":\"ok\"}}\n{}\n", serde_json::json!({"m": secret}));
        assert_eq!(
            survivors_in_lines(&guard, lines.as_bytes()),
            vec!["line 2: m".to_string()]
        );
    }
}
