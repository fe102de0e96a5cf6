//! Named selections: `field|modifier|modifier = value(s)` tests over event
//! fields, in the spirit of Sigma. Within a selection every field must match;
//! a list of values matches when any value does (all of them with `|all`).
//!
//! Modifiers: `contains`, `startswith`, `endswith`, `glob`, `re`, `gt`,
//! `gte`, `lt`, `lte`, `exists`, `cidr`, and `i` for case-insensitive
//! comparison. No modifier means equality.

use std::net::IpAddr;

use regex::Regex;

use crate::model::{Event, OptionStr};

/// An event field a selection can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Field {
    Status,
    Method,
    Url,
    Host,
    Route,
    ErrorClass,
    ErrorText,
    Message,
    Level,
    Service,
    Version,
    Release,
    Client,
    Input,
    TraceId,
    RequestId,
    DurationMs,
    RetryAfter,
    AuthScheme,
    AuthChallenge,
    JwtExp,
    JwtIat,
    JwtNbf,
    ReqBytes,
    RespBytes,
    RateLimitRemaining,
    RateLimitLimit,
    JwtIss,
    JwtAud,
    AuthToken,
}

/// Field names accepted in selections.
pub const FIELDS: &[(&str, Field)] = &[
    ("status", Field::Status),
    ("method", Field::Method),
    ("url", Field::Url),
    ("host", Field::Host),
    ("route", Field::Route),
    ("error_class", Field::ErrorClass),
    ("error_text", Field::ErrorText),
    ("message", Field::Message),
    ("level", Field::Level),
    ("service", Field::Service),
    ("version", Field::Version),
    ("release", Field::Release),
    ("input", Field::Input),
    ("client", Field::Client),
    ("trace_id", Field::TraceId),
    ("request_id", Field::RequestId),
    ("duration_ms", Field::DurationMs),
    ("retry_after_s", Field::RetryAfter),
    ("auth.scheme", Field::AuthScheme),
    ("auth.challenge", Field::AuthChallenge),
    ("jwt.exp", Field::JwtExp),
    ("jwt.iat", Field::JwtIat),
    ("jwt.nbf", Field::JwtNbf),
    ("req_bytes", Field::ReqBytes),
    ("resp_bytes", Field::RespBytes),
    ("ratelimit.remaining", Field::RateLimitRemaining),
    ("ratelimit.limit", Field::RateLimitLimit),
    ("jwt.iss", Field::JwtIss),
    ("jwt.aud", Field::JwtAud),
    ("auth.token", Field::AuthToken),
];

/// A field by its selection name.
pub fn field_by_name(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// A field's value as text (numbers formatted), for distinct counts.
pub fn field_text(e: &Event, f: Field) -> Option<String> {
    get(e, f).map(|v| match v {
        Val::Str(s) => s.to_string(),
        Val::Num(n) => n.to_string(),
    })
}

/// Feed the field's value to `h` without copying it; `false` when the
/// event has no value for the field.
pub fn hash_field(e: &Event, f: Field, h: &mut impl std::hash::Hasher) -> bool {
    match get(e, f) {
        Some(Val::Str(s)) => {
            h.write(s.as_bytes());
            h.write_u8(0xff);
            true
        }
        Some(Val::Num(n)) => {
            h.write_u64(n.to_bits());
            true
        }
        None => false,
    }
}

/// Whether the event has a value for the field (no allocation).
pub fn has_field(e: &Event, f: Field) -> bool {
    get(e, f).is_some()
}

/// A field's value on one event.
enum Val<'a> {
    Str(&'a str),
    Num(f64),
}

fn s(v: &impl OptionStr) -> Option<Val<'static>> {
    v.as_str().map(Val::Str)
}

fn get(e: &Event, f: Field) -> Option<Val<'_>> {
    let auth = e.auth();
    match f {
        Field::Status => e.status.map(|v| Val::Num(f64::from(v))),
        Field::Method => s(&e.method()),
        Field::Url => s(&e.url),
        Field::Host => s(&e.host()),
        Field::Route => s(&e.route()),
        Field::ErrorClass => e.error_class.map(|c| Val::Str(c.name())),
        Field::ErrorText => s(&e.error_text),
        Field::Message => s(&e.message),
        Field::Level => e.level.map(|l| Val::Str(l.name())),
        Field::Service => s(&e.service()),
        Field::Version => s(&e.service_version()),
        Field::Release => s(&e.release),
        Field::Client => s(&e.client),
        Field::Input => Some(Val::Num(f64::from(e.source.0))),
        Field::TraceId => s(&e.trace_id),
        Field::RequestId => s(&e.request_id()),
        Field::DurationMs => e.duration_ms().map(Val::Num),
        Field::RetryAfter => e.retry_after_s().map(Val::Num),
        Field::AuthScheme => auth.and_then(|a| a.scheme.as_deref()).map(Val::Str),
        Field::AuthChallenge => auth.and_then(|a| a.challenge_error.as_deref()).map(Val::Str),
        Field::JwtExp => auth.and_then(|a| a.jwt_exp).map(|v| Val::Num(v as f64)),
        Field::JwtIat => auth.and_then(|a| a.jwt_iat).map(|v| Val::Num(v as f64)),
        Field::JwtNbf => auth.and_then(|a| a.jwt_nbf).map(|v| Val::Num(v as f64)),
        Field::ReqBytes => e.req_bytes().map(|v| Val::Num(v as f64)),
        Field::RespBytes => e.resp_bytes().map(|v| Val::Num(v as f64)),
        Field::RateLimitRemaining => e
            .ratelimit()
            .and_then(|r| r.remaining)
            .map(|v| Val::Num(v as f64)),
        Field::RateLimitLimit => e.ratelimit().and_then(|r| r.limit).map(|v| Val::Num(v as f64)),
        Field::JwtIss => auth.and_then(|a| a.jwt_iss.as_deref()).map(Val::Str),
        Field::JwtAud => auth.and_then(|a| a.jwt_aud.as_deref()).map(Val::Str),
        // The credential's fingerprint, never the credential.
        Field::AuthToken => auth.and_then(|a| a.credential_fp.as_deref()).map(Val::Str),
    }
}

/// One compiled value test.
#[derive(Debug, Clone)]
enum Test {
    Eq(String),
    EqNum(f64),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    Re(Regex),
    Cmp(std::cmp::Ordering, bool, f64),
    Exists(bool),
    Cidr(IpAddr, u8),
}

/// One `field|modifiers = values` entry.
#[derive(Debug, Clone)]
pub struct FieldTest {
    field: Field,
    tests: Vec<Test>,
    all: bool,
    ci: bool,
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits.min(32)))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits.min(128)))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

impl FieldTest {
    fn one(&self, t: &Test, v: Option<&Val<'_>>) -> bool {
        let lower = |s: &str| if self.ci { s.to_lowercase() } else { s.to_string() };
        match (t, v) {
            (Test::Exists(want), v) => v.is_some() == *want,
            (_, None) => false,
            (Test::Eq(x), Some(Val::Str(s))) => lower(s) == *x,
            (Test::Eq(x), Some(Val::Num(n))) => x.parse::<f64>().is_ok_and(|x| x == *n),
            (Test::EqNum(x), Some(Val::Num(n))) => x == n,
            (Test::EqNum(x), Some(Val::Str(s))) => s.trim().parse::<f64>().is_ok_and(|n| n == *x),
            (Test::Contains(x), Some(Val::Str(s))) => lower(s).contains(x.as_str()),
            (Test::StartsWith(x), Some(Val::Str(s))) => lower(s).starts_with(x.as_str()),
            (Test::EndsWith(x), Some(Val::Str(s))) => lower(s).ends_with(x.as_str()),
            (Test::Re(re), Some(Val::Str(s))) => re.is_match(s),
            (Test::Cmp(ord, or_eq, x), Some(v)) => {
                let n = match v {
                    Val::Num(n) => *n,
                    Val::Str(s) => match s.trim().parse::<f64>() {
                        Ok(n) => n,
                        Err(_) => return false,
                    },
                };
                n.partial_cmp(x)
                    .is_some_and(|o| o == *ord || (*or_eq && o == std::cmp::Ordering::Equal))
            }
            (Test::Cidr(net, bits), Some(Val::Str(s))) => {
                let host = s
                    .rsplit_once(':')
                    .filter(|_| s.matches(':').count() == 1)
                    .map_or(*s, |(h, _)| h);
                host.trim_matches(['[', ']'])
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| in_cidr(ip, *net, *bits))
            }
            _ => false,
        }
    }

    /// Whether the event passes this field test.
    pub fn matches(&self, e: &Event) -> bool {
        let v = get(e, self.field);
        if self.all {
            self.tests.iter().all(|t| self.one(t, v.as_ref()))
        } else {
            self.tests.iter().any(|t| self.one(t, v.as_ref()))
        }
    }
}

/// A named selection: every field test must pass.
#[derive(Debug, Clone)]
pub struct Selection {
    tests: Vec<FieldTest>,
}

impl Selection {
    /// Whether the event matches every field test.
    pub fn matches(&self, e: &Event) -> bool {
        self.tests.iter().all(|t| t.matches(e))
    }
}

fn glob_to_regex(g: &str, ci: bool) -> Result<Regex, regex::Error> {
    let mut re = String::from(if ci { "(?i)^" } else { "^" });
    for c in g.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re)
}

/// Compile one selection from its TOML table. Errors name the key.
pub fn compile(name: &str, table: &toml::Table) -> Result<Selection, String> {
    let mut tests = Vec::new();
    for (key, value) in table {
        let at = format!("selection.{name}.{key}");
        let mut parts = key.split('|');
        let fname = parts.next().unwrap_or("");
        let field = FIELDS
            .iter()
            .find(|(n, _)| *n == fname)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let known: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
                format!("key `{at}`: unknown field {fname:?}; known: {}", known.join(", "))
            })?;
        let mods: Vec<&str> = parts.collect();
        let ci = mods.contains(&"i");
        let all = mods.contains(&"all");
        let op = mods
            .iter()
            .copied()
            .find(|m| !matches!(*m, "i" | "all"))
            .unwrap_or("eq");
        let values: Vec<&toml::Value> = match value {
            toml::Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        if values.is_empty() {
            return Err(format!("key `{at}`: an empty list matches nothing"));
        }
        let mut compiled = Vec::new();
        for v in values {
            let text = || match v {
                toml::Value::String(s) => Ok(if ci { s.to_lowercase() } else { s.clone() }),
                toml::Value::Integer(i) => Ok(i.to_string()),
                toml::Value::Float(f) => Ok(f.to_string()),
                other => Err(format!(
                    "key `{at}`: expected a string or number, got {}",
                    other.type_str()
                )),
            };
            let num = || match v {
                toml::Value::Integer(i) => Ok(*i as f64),
                toml::Value::Float(f) => Ok(*f),
                toml::Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("key `{at}`: {s:?} is not a number")),
                other => Err(format!("key `{at}`: expected a number, got {}", other.type_str())),
            };
            use std::cmp::Ordering::{Greater, Less};
            let t = match op {
                "eq" => match v {
                    toml::Value::Integer(_) | toml::Value::Float(_) => Test::EqNum(num()?),
                    _ => Test::Eq(text()?),
                },
                "contains" => Test::Contains(text()?),
                "startswith" => Test::StartsWith(text()?),
                "endswith" => Test::EndsWith(text()?),
                "glob" => Test::Re(glob_to_regex(&text()?, ci).map_err(|e| format!("key `{at}`: {e}"))?),
                "re" => {
                    let pat = if ci { format!("(?i){}", text()?) } else { text()? };
                    Test::Re(Regex::new(&pat).map_err(|e| format!("key `{at}`: bad regex: {e}"))?)
                }
                "gt" => Test::Cmp(Greater, false, num()?),
                "gte" => Test::Cmp(Greater, true, num()?),
                "lt" => Test::Cmp(Less, false, num()?),
                "lte" => Test::Cmp(Less, true, num()?),
                "exists" => match v {
                    toml::Value::Boolean(b) => Test::Exists(*b),
                    _ => return Err(format!("key `{at}`: `exists` takes true or false")),
                },
                "cidr" => {
                    let s = text()?;
                    let (net, bits) = s.split_once('/').ok_or_else(|| format!("key `{at}`: {s:?} is not a CIDR like 10.0.0.0/8"))?;
                    let net: IpAddr = net.parse().map_err(|_| format!("key `{at}`: {net:?} is not an IP address"))?;
                    let bits: u8 = bits.parse().map_err(|_| format!("key `{at}`: bad prefix length {bits:?}"))?;
                    let max = if net.is_ipv4() { 32 } else { 128 };
                    if bits > max {
                        return Err(format!("key `{at}`: prefix /{bits} is longer than {max}"));
                    }
                    Test::Cidr(net, bits)
                }
                other => {
                    return Err(format!(
                        "key `{at}`: unknown modifier {other:?}; known: contains, startswith, endswith, glob, re, gt, gte, lt, lte, exists, cidr, i, all"
                    ))
                }
            };
            compiled.push(t);
        }
        tests.push(FieldTest {
            field,
            tests: compiled,
            all,
            ci,
        });
    }
    Ok(Selection { tests })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AuthInfo, ErrorClass};

    fn sel(toml_text: &str) -> Result<Selection, String> {
        let t: toml::Table = toml::from_str(toml_text).unwrap();
        compile("s", &t)
    }

    fn event() -> Event {
        let mut e = Event {
            status: Some(503),
            url: Some("https://api.example.com/v1/Orders/7".into()),
            error_class: Some(ErrorClass::Http5xx),
            message: Some("Upstream connect error".into()),
            extra: Some(Box::new(crate::model::Extra {
                resp_bytes: Some(4096),
                ratelimit: Some(crate::model::RateLimitInfo {
                    limit: Some(100),
                    remaining: Some(0),
                }),
                auth: Some(AuthInfo {
                    jwt_exp: Some(100),
                    ..AuthInfo::default()
                }),
                ..crate::model::Extra::default()
            })),
            ..Event::default()
        };
        e.set_duration_ms(Some(1500.0));
        e.set_origin(&crate::model::Origin {
            method: Some("POST".into()),
            route: Some("/v1/Orders/{id}".into()),
            ..Default::default()
        });
        e.client = Some("10.1.2.3:5555".into());
        e
    }

    #[test]
    fn modifiers() {
        let e = event();
        let yes = [
            "status = 503",
            "status = [500, 503]",
            "\"status|gte\" = 500",
            "\"duration_ms|gt\" = 1000.5",
            "method = \"POST\"",
            "\"route|contains|i\" = \"orders\"",
            "\"url|startswith\" = \"https://api.\"",
            "\"url|endswith\" = \"/7\"",
            "\"route|glob\" = \"/v1/*/{id}\"",
            "\"message|re\" = \"^Upstream\"",
            "\"client|cidr\" = \"10.0.0.0/8\"",
            "\"trace_id|exists\" = false",
            "\"jwt.exp|lt\" = 1000",
            "\"message|contains|all|i\" = [\"upstream\", \"error\"]",
            "error_class = \"http_5xx\"",
            "\"resp_bytes|gt\" = 1000",
            "\"ratelimit.remaining\" = 0",
        ];
        for y in yes {
            assert!(sel(y).unwrap().matches(&e), "{y}");
        }
        let no = [
            "status = 500",
            "\"route|contains\" = \"orders\"",
            "\"client|cidr\" = \"192.168.0.0/16\"",
            "\"message|contains|all\" = [\"Upstream\", \"timeout\"]",
            "\"request_id|exists\" = true",
        ];
        for n in no {
            assert!(!sel(n).unwrap().matches(&e), "{n}");
        }
    }

    #[test]
    fn bad_selections_name_the_key() {
        assert!(sel("nope = 1")
            .unwrap_err()
            .contains("key `selection.s.nope`: unknown field"));
        assert!(sel("\"status|between\" = 1")
            .unwrap_err()
            .contains("unknown modifier"));
        assert!(sel("\"message|re\" = \"(\"").unwrap_err().contains("bad regex"));
        assert!(sel("\"client|cidr\" = \"10.0.0.0/40\"")
            .unwrap_err()
            .contains("longer than 32"));
        assert!(sel("\"status|gt\" = \"x\"").unwrap_err().contains("not a number"));
    }
}
