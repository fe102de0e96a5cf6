//! Which names mark the value beside them as a secret: header names, query
//! and form parameters, cookie jars and JSON keys, in whatever spelling a
//! log uses (`X-Api-Key`, `x_api_key`, `http.request.headers.authorization`).
//! Names are compared after folding case and turning `-`, `.` and spaces
//! into `_`, and mostly by their ending, so that a dotted or prefixed key
//! is judged by its last word.

/// What a secret-naming key says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKey {
    /// An `Authorization`-like value: `Scheme credential`, where the scheme
    /// stays readable.
    Authorization,
    /// A cookie header or a cookie jar: the whole value is a secret.
    Cookie,
    /// Any other credential: the whole value is a secret.
    Secret,
}

/// Where a name was found, which decides how broadly it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A name/value pair of HTTP: a header, a query or form parameter. Here
    /// `code` is an OAuth authorization code and `key` an API key.
    Param,
    /// A key of a JSON object, where `code` is usually a business or error
    /// code and `key` an identifier: those two are secrets only when their
    /// value looks random (see [`looks_random`]).
    Member,
}

/// Names longer than this are not judged (no secret's name is this long).
const MAX_NAME: usize = 128;

/// `name` folded into `buf`: ASCII lower case, `-`, `.` and spaces as `_`.
/// Without an allocation: every key of every sanitized object, and every
/// query parameter in a log message, comes through here.
fn fold<'b>(name: &str, buf: &'b mut [u8; MAX_NAME]) -> Option<&'b str> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    for (o, b) in buf.iter_mut().zip(name.bytes()) {
        *o = match b {
            b'-' | b'.' | b' ' => b'_',
            b => b.to_ascii_lowercase(),
        };
    }
    // Only ASCII bytes were changed, into ASCII: still UTF-8.
    std::str::from_utf8(&buf[..name.len()]).ok()
}

/// Whether the key `name` marks its value as a secret, and how.
pub fn classify(name: &str, kind: NameKind) -> Option<SecretKey> {
    let mut buf = [0; MAX_NAME];
    let n = fold(name, &mut buf)?;
    let last = n.rsplit('_').next().unwrap_or(n);
    if n == "authorization" || n.ends_with("_authorization") {
        return Some(SecretKey::Authorization);
    }
    if matches!(n, "cookie" | "cookies" | "set_cookie" | "set_cookies") || n.ends_with("_cookie") {
        return Some(SecretKey::Cookie);
    }
    const EXACT: &[&str] = &[
        "auth",
        "pass",
        "pwd",
        "pin",
        "otp",
        "ssn",
        "cvv",
        "cvc",
        "sig",
        "sid",
        "jwt",
        "session",
        "sessionid",
        "jsessionid",
        "phpsessid",
        "samlresponse",
        "samlrequest",
        "csrf",
        "xsrf",
        "_csrf",
        "otp_code",
        "mfa_code",
    ];
    const ENDS: &[&str] = &[
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "apikey",
        "api_key",
        "signature",
        "credential",
        "credentials",
        "session_id",
        "sessionid",
        "private_key",
        "secret_key",
        "access_key",
        "client_key",
        "auth_key",
        "_sig",
        "_pwd",
    ];
    if EXACT.contains(&n) || ENDS.iter().any(|e| n.ends_with(e)) {
        return Some(SecretKey::Secret);
    }
    if n.contains("password") || n.contains("secret") || n.starts_with("x_amz_security") {
        return Some(SecretKey::Secret);
    }
    match kind {
        NameKind::Param => {
            // Header and parameter names: a token or session anywhere in
            // the name, an `-auth` suffix, an OAuth `code`, a bare `key`.
            let param = matches!(n, "code" | "key")
                || (n.contains("token") && !n.ends_with("tokens"))
                || n.contains("session")
                || n.contains("api_key")
                || n.contains("apikey")
                || last == "auth"
                || (last == "key" && !n.ends_with("public_key"));
            param.then_some(SecretKey::Secret)
        }
        NameKind::Member => None,
    }
}

/// Whether a JSON key whose value is only a secret when it looks random
/// (`code`, `key`, `*_key` but a public key): see [`looks_random`].
pub fn secret_if_random(name: &str) -> bool {
    let mut buf = [0; MAX_NAME];
    fold(name, &mut buf)
        .is_some_and(|n| n == "code" || n == "key" || (n.ends_with("_key") && !n.ends_with("public_key")))
}

/// Names under which even a number is a secret (`"pin": 1234`). Other
/// secret names keep their numbers and booleans, which are counts and flags
/// (`max_tokens`, `token_count`) far more often than credentials.
pub fn secret_number(name: &str) -> bool {
    let mut buf = [0; MAX_NAME];
    fold(name, &mut buf).is_some_and(|n| {
        matches!(
            n,
            "password" | "passwd" | "pwd" | "pass" | "pin" | "otp" | "ssn" | "cvv" | "cvc" | "secret"
        )
    })
}

/// Whether a value looks machine-made random rather than chosen: at least
/// eight characters of letters, digits and `-_.~+/=`, mixing lower case,
/// upper case and digits. `4001`, `ORDER_NOT_FOUND`, `de-DE` and
/// `sku-1234` do not; `SplxlOBeZQQYbYS6WxSbIA` and `oauthCode-77xx88yy` do.
pub fn looks_random(v: &str) -> bool {
    if v.len() < 8 || v.len() > 4096 {
        return false;
    }
    let (mut lower, mut upper, mut digit) = (false, false, false);
    for b in v.bytes() {
        match b {
            b'a'..=b'z' => lower = true,
            b'A'..=b'Z' => upper = true,
            b'0'..=b'9' => digit = true,
            b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=' => {}
            _ => return false,
        }
    }
    lower && upper && digit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_every_spelling() {
        use NameKind::*;
        for (name, kind, want) in [
            ("Authorization", Param, Some(SecretKey::Authorization)),
            ("Proxy-Authorization", Param, Some(SecretKey::Authorization)),
            (
                "http.request.headers.authorization",
                Member,
                Some(SecretKey::Authorization),
            ),
            ("Cookie", Param, Some(SecretKey::Cookie)),
            ("Set-Cookie", Param, Some(SecretKey::Cookie)),
            ("X-Api-Key", Param, Some(SecretKey::Secret)),
            ("x_api_key", Member, Some(SecretKey::Secret)),
            ("X-Amz-Signature", Param, Some(SecretKey::Secret)),
            ("X-Amz-Credential", Param, Some(SecretKey::Secret)),
            ("X-Amz-Security-Token", Param, Some(SecretKey::Secret)),
            ("X-Auth-Token", Param, Some(SecretKey::Secret)),
            ("access_token", Member, Some(SecretKey::Secret)),
            ("refreshToken", Member, Some(SecretKey::Secret)),
            ("client_secret", Member, Some(SecretKey::Secret)),
            ("userPassword", Member, Some(SecretKey::Secret)),
            ("code", Param, Some(SecretKey::Secret)),
            ("SAMLResponse", Param, Some(SecretKey::Secret)),
            ("x-session-id", Param, Some(SecretKey::Secret)),
            ("code", Member, None),
            ("token_type", Member, None),
            ("max_tokens", Member, None),
            ("max_tokens", Param, None),
            ("Accept", Param, None),
            ("user_agent", Member, None),
            ("public_key", Param, None),
            ("status", Member, None),
        ] {
            assert_eq!(classify(name, kind), want, "{name} as {kind:?}");
        }
    }

    #[test]
    fn random_looking_values() {
        for v in ["SplxlOBeZQQYbYS6WxSbIA", "oauthCode-77xx88yy", "a1B2c3D4"] {
            assert!(looks_random(v), "{v}");
        }
        for v in [
            "4001",
            "ORDER_NOT_FOUND",
            "de-DE",
            "sku-1234",
            "E_TIMEOUT_2024",
            "hello world 1A",
        ] {
            assert!(!looks_random(v), "{v}");
        }
        assert!(secret_if_random("code") && secret_if_random("idempotency_key"));
        assert!(!secret_if_random("public_key") && !secret_if_random("message"));
        assert!(secret_number("pin") && !secret_number("max_tokens"));
    }
}
