//! JWT claims from a bearer token, decoded **without verification** and
//! never stored: only `exp`/`iat` and a fingerprint leave this module.

use base64::Engine as _;

/// The claims we keep from a JWT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Issuer.
    pub iss: Option<String>,
    /// Audience (the first, when a list).
    pub aud: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: Option<i64>,
    /// Issued-at, seconds since the epoch.
    pub iat: Option<i64>,
    /// Not-before, seconds since the epoch.
    pub nbf: Option<i64>,
}

#[derive(serde::Deserialize)]
struct RawClaims {
    #[serde(default)]
    exp: Option<serde_json::Number>,
    #[serde(default)]
    iat: Option<serde_json::Number>,
    #[serde(default)]
    nbf: Option<serde_json::Number>,
    #[serde(default)]
    iss: Option<serde_json::Value>,
    #[serde(default)]
    aud: Option<serde_json::Value>,
}

fn first_str(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Array(a) => a.into_iter().find_map(|x| x.as_str().map(str::to_string)),
        _ => None,
    }
}

fn secs(n: Option<serde_json::Number>) -> Option<i64> {
    let n = n?;
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.is_finite() && f.abs() < 9e15)
            .map(|f| f as i64)
    })
}

/// Decode the payload of a compact JWS (`header.payload.signature`).
/// Returns `None` for anything that is not a three-part token with a JSON
/// object payload (JWE tokens have five parts and are opaque).
pub fn decode(token: &str) -> Option<Claims> {
    let token = token.trim();
    let mut parts = token.split('.');
    let (_h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || p.is_empty() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .ok()?;
    let raw: RawClaims = serde_json::from_slice(&bytes).ok()?;
    Some(Claims {
        exp: secs(raw.exp),
        iat: secs(raw.iat),
        nbf: secs(raw.nbf),
        iss: first_str(raw.iss),
        aud: first_str(raw.aud),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_claims_without_verifying() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"u1","exp":1714557600,"iat":1714554000}"#);
        let tok = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln");
        assert_eq!(
            decode(&tok),
            Some(Claims {
                exp: Some(1_714_557_600),
                iat: Some(1_714_554_000),
                nbf: None,
                iss: None,
                aud: None,
            })
        );
        assert_eq!(decode("not-a-jwt"), None);
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"iss":"https://auth.example.com","aud":["api","web"],"exp":1}"#);
        let c = decode(&format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln")).unwrap();
        assert_eq!(c.iss.as_deref(), Some("https://auth.example.com"));
        assert_eq!(c.aud.as_deref(), Some("api"));
        assert_eq!(decode("a.b.c.d.e"), None);
    }
}
