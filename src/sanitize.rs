//! Sanitizing inputs so they can be forwarded: a HAR stays a valid HAR
//! (same entries in the same order, same timings and statuses) and JSON
//! lines or an Elasticsearch export stay valid JSON, with every secret
//! replaced by its fingerprint. The manifest counts what was replaced, by
//! kind and by location, and never holds a value. Pure: bytes in, bytes and
//! manifest out; the command writes them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::redact;

/// What was replaced, by kind and by location. Counts only.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Manifest {
    /// Secrets replaced in all.
    pub total: u64,
    /// By kind: `authorization`, `cookie`, `secret_header`, `query_param`,
    /// `url` (credentials, secret parameters or credential-like path
    /// segments in a URL), `body_field`, `form_field`, `free_text`.
    pub by_kind: BTreeMap<String, u64>,
    /// By location: `request.headers`, `response.content`, `line field msg`, …
    pub by_location: BTreeMap<String, u64>,
    /// Records (HAR entries or lines) with at least one secret.
    pub records_with_secrets: u64,
    /// Records in the input.
    pub records: u64,
}

impl Manifest {
    fn note(&mut self, kind: &str, location: &str) {
        self.total += 1;
        *self.by_kind.entry(kind.to_string()).or_default() += 1;
        *self.by_location.entry(location.to_string()).or_default() += 1;
    }
}

/// Header names whose values are credentials.
fn is_secret_header(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "authorization" | "proxy-authorization" => Some("authorization"),
        "cookie" | "set-cookie" => Some("cookie"),
        _ if n.contains("api-key")
            || n.contains("apikey")
            || n.contains("token")
            || n.contains("secret")
            || n.contains("password")
            || n.contains("signature")
            || n.contains("session")
            || n.ends_with("-auth")
            || n.starts_with("x-amz-security") =>
        {
            Some("secret_header")
        }
        _ => None,
    }
}

/// JSON keys and form fields whose values are credentials: the secret
/// query parameter names, and a few that only appear in bodies.
fn is_secret_key(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    // In bodies `code` is an error or business code, not an OAuth code.
    (redact::is_secret_param(&n) && n != "code")
        || matches!(
            n.as_str(),
            "authorization" | "cookie" | "private_key" | "otp" | "pin" | "ssn"
        )
        || (n.ends_with("_key") && !n.ends_with("public_key"))
}

/// Redact a free-text string, counting what changed.
fn text(s: &mut String, location: &str, m: &mut Manifest) -> bool {
    let r = redact::text(s);
    let r = if s.contains("://") {
        redact::url(&r).into_owned()
    } else {
        r.into_owned()
    };
    if r != *s {
        m.note("free_text", location);
        *s = r;
        true
    } else {
        false
    }
}

/// Walk a JSON value: secret keys get fingerprints, strings are redacted.
fn walk(v: &mut Value, location: &str, m: &mut Manifest, depth: usize) -> bool {
    let mut changed = false;
    match v {
        Value::Object(map) if depth < 128 => {
            for (k, child) in map.iter_mut() {
                if is_secret_key(k) && !child.is_null() && !child.is_object() && !child.is_array() {
                    let raw = match &*child {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if !raw.is_empty() && !raw.starts_with("tok:") {
                        *child = Value::String(redact::mask(&raw));
                        m.note("body_field", location);
                        changed = true;
                    }
                } else {
                    changed |= walk(child, location, m, depth + 1);
                }
            }
        }
        Value::Array(items) if depth < 128 => {
            for child in items {
                changed |= walk(child, location, m, depth + 1);
            }
        }
        Value::String(s) => {
            // A string that is itself JSON (a body, a wrapped log line).
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('[')) && s.len() < 16 << 20 {
                if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                    if walk(&mut inner, location, m, depth + 1) {
                        *s = inner.to_string();
                        return true;
                    }
                    return false;
                }
            }
            changed |= text(s, location, m);
        }
        _ => {}
    }
    changed
}

/// Redact a form-encoded body (`a=1&password=x`).
fn form(body: &str, location: &str, m: &mut Manifest) -> String {
    body.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if is_secret_key(k) && !v.is_empty() => {
                m.note("form_field", location);
                format!("{k}={}", redact::mask(v))
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Parts of a multipart body: the part's headers (with its name), then its value.
static MULTIPART: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"(?s)(name="([^"]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)(.*?)(\r?\n--)"#)
        .expect("static regex is valid")
});

/// Redact the values of secret-named parts of a multipart body.
fn multipart(body: &str, location: &str, m: &mut Manifest) -> String {
    MULTIPART
        .replace_all(body, |c: &regex::Captures<'_>| {
            if is_secret_key(&c[2]) && !c[3].is_empty() {
                m.note("form_field", location);
                format!("{}{}{}", &c[1], redact::mask(&c[3]), &c[4])
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
}

/// Redact a body given as text, by what it looks like.
fn body(text_v: &mut Value, mime: &str, location: &str, m: &mut Manifest) {
    let Value::String(s) = text_v else { return };
    if mime.contains("multipart/") || s.contains("Content-Disposition: form-data") {
        let r = multipart(s, location, m);
        *s = r;
    }
    let t = s.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(mut v) = serde_json::from_str::<Value>(s) {
            if walk(&mut v, location, m, 0) {
                *s = v.to_string();
            }
            return;
        }
    }
    if mime.contains("x-www-form-urlencoded") || (!s.contains(' ') && s.contains('=') && s.contains('&')) {
        let f = form(s, location, m);
        *s = f;
    }
    text(s, location, m);
}

fn name_values(arr: Option<&mut Value>, location: &str, headers: bool, m: &mut Manifest) -> bool {
    let Some(Value::Array(items)) = arr else {
        return false;
    };
    let mut changed = false;
    for h in items {
        let name = h.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let Some(Value::String(value)) = h.get_mut("value") else {
            continue;
        };
        if value.is_empty() || value.starts_with("tok:") {
            continue;
        }
        let kind = if headers {
            is_secret_header(&name)
        } else if location.ends_with("cookies") {
            Some("cookie")
        } else {
            is_secret_key(&name).then_some("query_param")
        };
        match kind {
            Some(k) => {
                // Keep an auth scheme readable: `Bearer tok:…`.
                let fp = match value.split_once(' ') {
                    Some((scheme, cred)) if k == "authorization" => {
                        format!("{scheme} {}", redact::mask(cred))
                    }
                    _ => redact::mask(value),
                };
                *value = fp;
                m.note(k, location);
                changed = true;
            }
            None => changed |= text(value, location, m),
        }
    }
    changed
}

/// Sanitize a HAR document. Errors when it is not a JSON object with
/// `log.entries`.
pub fn har(bytes: &[u8]) -> Result<(Vec<u8>, Manifest), String> {
    let mut doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut m = Manifest::default();
    let entries = doc
        .get_mut("log")
        .and_then(|l| l.get_mut("entries"))
        .and_then(Value::as_array_mut)
        .ok_or("no log.entries array: not a HAR")?;
    for e in entries.iter_mut() {
        m.records += 1;
        let before = m.total;
        if let Some(req) = e.get_mut("request") {
            if let Some(Value::String(u)) = req.get_mut("url") {
                let r = redact::url(u).into_owned();
                if r != *u {
                    m.note("url", "request.url");
                    *u = r;
                }
            }
            name_values(req.get_mut("headers"), "request.headers", true, &mut m);
            name_values(req.get_mut("cookies"), "request.cookies", false, &mut m);
            name_values(req.get_mut("queryString"), "request.queryString", false, &mut m);
            if let Some(pd) = req.get_mut("postData") {
                let mime = pd
                    .get("mimeType")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Some(t) = pd.get_mut("text") {
                    body(t, &mime, "request.postData", &mut m);
                }
                name_values(pd.get_mut("params"), "request.postData.params", false, &mut m);
            }
        }
        if let Some(resp) = e.get_mut("response") {
            name_values(resp.get_mut("headers"), "response.headers", true, &mut m);
            name_values(resp.get_mut("cookies"), "response.cookies", false, &mut m);
            if let Some(Value::String(u)) = resp.get_mut("redirectURL") {
                let r = redact::url(u).into_owned();
                if r != *u {
                    m.note("url", "response.redirectURL");
                    *u = r;
                }
            }
            if let Some(c) = resp.get_mut("content") {
                let mime = c
                    .get("mimeType")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let base64 = c.get("encoding").and_then(Value::as_str) == Some("base64");
                if !base64 {
                    if let Some(t) = c.get_mut("text") {
                        body(t, &mime, "response.content", &mut m);
                    }
                }
            }
        }
        if m.total > before {
            m.records_with_secrets += 1;
        }
    }
    let out = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
    Ok((out, m))
}

/// Sanitize JSON lines (or a whole JSON document, such as an Elasticsearch
/// export, when `whole` is set). Lines that are not JSON are redacted as text.
pub fn json(bytes: &[u8], whole: bool) -> Result<(Vec<u8>, Manifest), String> {
    let mut m = Manifest::default();
    if whole {
        let mut v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
        m.records = 1;
        if walk(&mut v, "document", &mut m, 0) {
            m.records_with_secrets = 1;
        }
        return serde_json::to_vec_pretty(&v)
            .map(|o| (o, m))
            .map_err(|e| e.to_string());
    }
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
                if walk(&mut v, "line", &mut m, 0) {
                    out.push_str(&v.to_string());
                } else {
                    out.push_str(body_s);
                }
            }
            Err(_) => {
                let mut s = body_s.to_string();
                text(&mut s, "line (not JSON)", &mut m);
                out.push_str(&s);
            }
        }
        out.push_str(nl);
        if m.total > before {
            m.records_with_secrets += 1;
        }
    }
    Ok((out.into_bytes(), m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn har_keeps_shape_and_loses_secrets() {
        let input = br#"{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[
          {"startedDateTime":"2024-05-01T10:00:00Z","time":12.5,
           "request":{"method":"POST","url":"https://a.example/login?token=abc123XYZ&x=1","headers":[{"name":"Authorization","value":"Bearer sekret-value-1"},{"name":"Accept","value":"*/*"}],
             "cookies":[{"name":"sid","value":"cookie-value-2"}],"queryString":[{"name":"token","value":"abc123XYZ"},{"name":"x","value":"1"}],
             "postData":{"mimeType":"application/json","text":"{\"user\":\"u\",\"password\":\"hunter2hunter2\"}"}},
           "response":{"status":200,"headers":[{"name":"Set-Cookie","value":"sid=cookie-value-3; HttpOnly"}],
             "content":{"mimeType":"application/json","text":"{\"access_token\":\"at-secret-4\",\"n\":1}"}},
           "timings":{"wait":10}}]}}"#;
        let (out, m) = har(input).expect("sanitized");
        let s = String::from_utf8(out).expect("utf8");
        for secret in [
            "abc123XYZ",
            "sekret-value-1",
            "cookie-value-2",
            "hunter2hunter2",
            "cookie-value-3",
            "at-secret-4",
        ] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
        let v: Value = serde_json::from_str(&s).expect("valid JSON");
        let e = &v["log"]["entries"][0];
        assert_eq!(e["response"]["status"], 200);
        assert_eq!(e["time"], 12.5);
        assert!(e["request"]["headers"][0]["value"]
            .as_str()
            .is_some_and(|h| h.starts_with("Bearer tok:")));
        assert_eq!(e["request"]["headers"][1]["value"], "*/*");
        assert!(m.total >= 6, "{m:?}");
        assert_eq!(m.records_with_secrets, 1);
        assert!(m.by_location.contains_key("response.content"));
    }

    #[test]
    fn multipart_parts_named_like_secrets() {
        let mut m = Manifest::default();
        let b = "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nbob\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nmultipart-secret-9\r\n--XyZ--\r\n";
        let r = multipart(b, "request.postData", &mut m);
        assert!(!r.contains("multipart-secret-9") && r.contains("bob"), "{r}");
        assert_eq!(m.total, 1);
    }

    #[test]
    fn json_lines_keep_lines() {
        let text = b"{\"msg\":\"login\",\"password\":\"p4ssw0rd!\"}\nnot json Authorization: Bearer abcdef123456\n\n{\"ok\":true}\n";
        let (out, m) = json(text, false).expect("sanitized");
        let s = String::from_utf8(out).expect("utf8");
        assert_eq!(s.lines().count(), 4);
        assert!(!s.contains("p4ssw0rd!") && !s.contains("abcdef123456"), "{s}");
        assert!(s.ends_with("{\"ok\":true}\n"));
        assert_eq!(m.records, 3);
        assert_eq!(m.records_with_secrets, 2);
    }
}
