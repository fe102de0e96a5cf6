//! The one place secrets are removed. Every string that can reach a report
//! (URLs, error text, log messages, previews) passes through here first.
//!
//! Secrets are replaced by a stable fingerprint (`tok:1a2b3c4d`) so that
//! requests made with the same credential still group together, while the
//! value itself cannot be recovered from the report.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use regex::Regex;

/// Fingerprint of a secret: stable across runs, not reversible.
pub fn fingerprint(secret: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    secret.hash(&mut h);
    format!("tok:{:08x}", h.finish() as u32)
}

/// Query parameter names whose values are credentials.
fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "token"
            | "access_token"
            | "id_token"
            | "refresh_token"
            | "api_key"
            | "apikey"
            | "api-key"
            | "key"
            | "sig"
            | "signature"
            | "password"
            | "passwd"
            | "pwd"
            | "secret"
            | "code"
            | "client_secret"
            | "samlresponse"
            | "x-amz-signature"
            | "x-amz-credential"
            | "x-amz-security-token"
            | "auth"
            | "session"
            | "sessionid"
    ) || n.ends_with("_token")
        || n.ends_with("token")
        || n.ends_with("secret")
        || n.ends_with("password")
        || n.ends_with("apikey")
        || n.ends_with("api_key")
}

static FREE_TEXT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Authorization / Proxy-Authorization / Cookie header text.
        r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key)(\s*[:=]\s*)([^\r\n]+)",
        // Bearer / Basic credentials anywhere.
        r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{6,})",
        // key=value pairs whose key names a secret.
        r#"(?i)\b(password|passwd|pwd|secret|client_secret|api_key|apikey|access_token|refresh_token|id_token|token)(\s*[:=]\s*"?)([^\s"&,;]+)"#,
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static regex is valid"))
    .collect()
});

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*").expect("static regex is valid")
});

/// Redact secrets in free text.
pub fn text(s: &str) -> Cow<'_, str> {
    let lower_hint = s.len() >= 6
        && (s.contains("eyJ")
            || s.contains('=')
            || s.contains(':')
            || s.contains("earer")
            || s.contains("asic"));
    if !lower_hint {
        return Cow::Borrowed(s);
    }
    let mut out: Cow<'_, str> = Cow::Borrowed(s);
    if JWT.is_match(&out) {
        out = Cow::Owned(
            JWT.replace_all(&out, |c: &regex::Captures<'_>| fingerprint(&c[0]))
                .into_owned(),
        );
    }
    for re in FREE_TEXT.iter() {
        if re.is_match(&out) {
            let replaced = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    let v = &c[3];
                    if v.starts_with("tok:") {
                        format!("{}{}{}", &c[1], &c[2], v)
                    } else {
                        format!("{}{}{}", &c[1], &c[2], fingerprint(v))
                    }
                })
                .into_owned();
            out = Cow::Owned(replaced);
        }
    }
    out
}

/// Redact credentials in a URL: userinfo, secret query parameters, JWTs.
///
/// ```
/// let r = logsleuth::redact::url("https://api.example.com/v1?access_token=s3cr3t&page=2");
/// assert!(!r.contains("s3cr3t"));
/// assert!(r.starts_with("https://api.example.com/v1?access_token=tok:"));
/// assert!(r.ends_with("&page=2"));
/// ```
pub fn url(u: &str) -> Cow<'_, str> {
    // Fast path: nothing that can hold a credential.
    if !u.contains(['?', '@']) && !u.contains("eyJ") {
        return Cow::Borrowed(u);
    }
    let mut out = String::with_capacity(u.len());
    let mut changed = false;
    let (base, query) = match u.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (u, None),
    };
    // userinfo: scheme://user:pass@host
    if let Some(i) = base.find("://") {
        let rest = &base[i + 3..];
        let auth_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@') {
            out.push_str(&base[..i + 3]);
            out.push_str("[redacted]@");
            out.push_str(&rest[at + 1..]);
            changed = true;
        } else {
            out.push_str(base);
        }
    } else {
        out.push_str(base);
    }
    if let Some(q) = query {
        out.push('?');
        let (q, frag) = match q.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (q, None),
        };
        for (i, pair) in q.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((k, v)) if is_secret_param(k) && !v.is_empty() => {
                    out.push_str(k);
                    out.push('=');
                    out.push_str(&fingerprint(v));
                    changed = true;
                }
                _ => out.push_str(pair),
            }
        }
        if let Some(f) = frag {
            out.push('#');
            out.push_str(f);
        }
    }
    let out = if JWT.is_match(&out) {
        changed = true;
        JWT.replace_all(&out, |c: &regex::Captures<'_>| fingerprint(&c[0]))
            .into_owned()
    } else {
        out
    };
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLXZhbHVl";

    #[test]
    fn free_text() {
        let s = format!("upstream said: Authorization: Bearer {JWT_TOKEN}");
        let r = text(&s);
        assert!(!r.contains(JWT_TOKEN), "{r}");
        assert!(!r.contains("c2lnbmF0"), "{r}");
        let r = text("login failed password=hunter22 for user");
        assert!(!r.contains("hunter22"), "{r}");
        assert!(r.contains("password=tok:"), "{r}");
        assert_eq!(text("plain message"), "plain message");
        let r = text("Cookie: session=abcdef123456; other=1");
        assert!(!r.contains("abcdef123456"), "{r}");
    }

    #[test]
    fn urls() {
        let r = url("https://u:pw@api.example.com/v1?access_token=abc123&page=2#frag");
        assert!(!r.contains("pw@") && !r.contains("abc123"), "{r}");
        assert!(r.contains("page=2"));
        assert_eq!(
            url("https://api.example.com/v1?page=2"),
            "https://api.example.com/v1?page=2"
        );
        let u = format!("https://h/cb?x=1&id_token={JWT_TOKEN}");
        let r = url(&u);
        assert!(!r.contains(JWT_TOKEN));
    }

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(fingerprint("abc"), fingerprint("abc"));
        assert_ne!(fingerprint("abc"), fingerprint("abd"));
    }
}
