//! Authentication signals: the scheme, JWT claims and a fingerprint of a
//! request's credential (never the credential itself), the `error` of a
//! `WWW-Authenticate` challenge, and the refinement of a 401 into an expired
//! token. Shared by every parser that sees headers.

use crate::model::{AuthInfo, ErrorClass, Event};
use crate::normalize::jwt;

/// The `error` parameter of a `WWW-Authenticate` challenge (RFC 6750).
pub fn challenge_error(v: &str) -> Option<String> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,"]+))"#)
            .expect("static regex is valid")
    });
    let c = RE.captures(v)?;
    let val = c.get(1).or_else(|| c.get(2))?.as_str();
    (!val.is_empty()).then(|| val.to_string())
}

/// Credential facts from an `Authorization` header value.
pub fn from_header(value: &str, auth: &mut AuthInfo) {
    let v = value.trim();
    let (scheme, cred) = v.split_once(' ').unwrap_or((v, ""));
    auth.scheme = Some(scheme.into());
    let cred = cred.trim();
    if !cred.is_empty() {
        auth.credential_fp = Some(crate::redact::fingerprint(cred).into());
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        if let Some(c) = jwt::decode(cred) {
            auth.jwt_exp = c.exp;
            auth.jwt_iat = c.iat;
            auth.jwt_nbf = c.nbf;
            auth.jwt_iss = c.iss.map(Into::into);
            auth.jwt_aud = c.aud.map(Into::into);
        }
    }
}

/// Refine a 401 into `AuthExpired` when the challenge or the JWT says so.
pub fn refine(ev: &mut Event) {
    if ev.status != Some(401) {
        return;
    }
    let Some(auth) = ev.auth() else { return };
    let challenge_expired = auth.challenge_error.as_deref() == Some("invalid_token");
    let jwt_expired = match (auth.jwt_exp, ev.ts_ns()) {
        (Some(exp), Some(ts)) => ts / 1_000_000_000 >= exp,
        _ => false,
    };
    if challenge_expired || jwt_expired {
        ev.error_class = Some(ErrorClass::AuthExpired);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_param() {
        assert_eq!(
            challenge_error(r#"Bearer realm="api", error="invalid_token", error_description="x""#).as_deref(),
            Some("invalid_token")
        );
        assert_eq!(challenge_error(r#"Bearer error_description="x""#), None);
        assert_eq!(challenge_error("Basic realm=x"), None);
    }
}
