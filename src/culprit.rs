//! Culprit attribution: which attributes set a finding's failures apart
//! from the traffic that succeeded, so that a cause names what to fix (the
//! upstream every failing request went to, the one client that drove the
//! 429s, the release that fails, the field the validator names, the
//! dependency whose certificate expired) rather than the host where the
//! failure was seen.
//!
//! For each finding, its failing events are tallied along a fixed set of
//! dimensions and compared with the successful events of the whole input.
//! A value is the culprit along a dimension when nearly all the failures
//! carry it and the successes mostly do not. The finding's subject takes
//! the culprits as structured fields, and the attribution is kept for the
//! report's sentence. Dimensions read from error text (a host in a URL, a
//! field a validator names) have no successes to compare with: there, the
//! failures must agree.

use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::model::{ByOrigin, Event, OptionStr};
use crate::rules::Finding;

/// Failures a finding needs before its attributes mean anything.
const MIN_FAILURES: usize = 5;
/// Share of the failures that must carry the value.
const MIN_SHARE: f64 = 0.8;
/// Largest share of the successes that may carry it.
const MAX_BASE_SHARE: f64 = 0.5;
/// Smallest difference between the two shares.
const MIN_EFFECT: f64 = 0.4;

/// What an attribute is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// The upstream address or cluster a proxy forwarded to.
    Upstream,
    /// A host named in the error text (a dependency's URL or address).
    Dependency,
    /// The client's address.
    ClientAddress,
    /// The client's release, from the user agent (`ShopApp/7.2.0`).
    Release,
    /// The whole user agent.
    UserAgent,
    /// The credential's fingerprint.
    Credential,
    /// The emitting service's version.
    Version,
    /// Method and route.
    Route,
    /// A field the error text names.
    Field,
}

impl Dim {
    /// How a sentence names the dimension.
    pub fn noun(self) -> &'static str {
        match self {
            Dim::Upstream => "upstream",
            Dim::Dependency => "dependency",
            Dim::ClientAddress => "client",
            Dim::Release => "client release",
            Dim::UserAgent => "user agent",
            Dim::Credential => "credential",
            Dim::Version => "version",
            Dim::Route => "route",
            Dim::Field => "field",
        }
    }

    /// Whether the value comes from the failures' error text, which the
    /// successes lack.
    fn read_from_error(self) -> bool {
        matches!(self, Dim::Dependency | Dim::Field)
    }
}

const DIMS: [Dim; 9] = [
    Dim::Upstream,
    Dim::Dependency,
    Dim::ClientAddress,
    Dim::Release,
    Dim::UserAgent,
    Dim::Credential,
    Dim::Version,
    Dim::Route,
    Dim::Field,
];

/// One attribute that sets a finding's failures apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    /// What it is.
    pub dim: Dim,
    /// Its value.
    pub value: String,
    /// Share of the finding's failures that carry it.
    pub share: f64,
    /// Share of the successful requests that carry it (`None` for values
    /// read from error text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
}

/// The client release a user agent names: its first product token when
/// that has a dotted version (`ShopApp/7.2.0 (iPhone; iOS 17)` gives
/// `ShopApp/7.2.0`). Browsers, whose first token is the generic
/// `Mozilla/5.0`, name none.
pub fn release(ua: &str) -> Option<&str> {
    let token = ua.split([' ', '(', ';']).next()?.trim();
    let (product, version) = token.split_once('/')?;
    let dotted = version.contains('.')
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'));
    let generic = product.eq_ignore_ascii_case("mozilla") || product.is_empty();
    (dotted && !generic && product.len() <= 64).then_some(token)
}

/// Hosts named in error text: the host of a URL, the name a DNS lookup
/// failed for, the address a dial failed to reach.
static DEPENDENCY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:https?|wss?|grpcs?)://(?:[^/@\s"']*@)?([a-z0-9][a-z0-9.-]*[a-z0-9](?::\d{1,5})?)|\blookup\s+([a-z0-9][a-z0-9.-]*[a-z0-9])|\bdial\s+tcp\s+([a-z0-9][a-z0-9.-]*:\d{1,5})|\b(?:host|server|upstream|peer)[\s:=]+['"]?([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+(?::\d{1,5})?)"#,
    )
    .ok()
});

/// A field a validator or a deserializer names: `field 'a.b'`,
/// `property "x"`, `missing field `y``, `'z' is required`.
static FIELD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:field|property|parameter|param|attribute|member|key|path)\s*[:=]?\s*[`'"‘“]\$?\.?([A-Za-z_][\w.\[\]-]{0,80})[`'"’”]|[`'"‘“]\$?\.?([A-Za-z_][\w.\[\]-]{0,80})[`'"’”]\s+(?:is\s+required|is\s+missing|is\s+invalid|must\b|should\b|may\s+not\b|cannot\b|is\s+not\s+allowed)"#,
    )
    .ok()
});

fn first_capture<'t>(re: &Regex, text: &'t str) -> Option<&'t str> {
    re.captures_iter(text)
        .find_map(|c| c.iter().skip(1).flatten().next().map(|m| m.as_str()))
}

/// The dependency host named in an error text, without its port when the
/// name is a host name (an address keeps its port).
pub fn dependency(text: &str) -> Option<&str> {
    let found = first_capture(DEPENDENCY.as_ref()?, text)?;
    let (host, port) = found.rsplit_once(':').unwrap_or((found, ""));
    let numeric = host.chars().all(|c| c.is_ascii_digit() || c == '.');
    Some(if numeric || port.is_empty() { found } else { host })
}

/// The field an error text names.
pub fn field(text: &str) -> Option<&str> {
    first_capture(FIELD.as_ref()?, text)
}

/// The value of `dim` on an event.
fn value(dim: Dim, e: &Event) -> Option<&str> {
    match dim {
        Dim::Upstream => e.upstream().as_str(),
        Dim::ClientAddress => e.client().as_str(),
        Dim::Release => e.user_agent().as_str().and_then(release),
        Dim::UserAgent => e.user_agent().as_str(),
        Dim::Credential => e.auth().and_then(|a| a.credential_fp.as_deref()),
        Dim::Version => e.service_version().as_str(),
        Dim::Route => e.route().as_str(),
        Dim::Dependency => error_text(e).and_then(dependency),
        Dim::Field => error_text(e).and_then(field),
    }
}

fn error_text(e: &Event) -> Option<&'static str> {
    e.error_text.as_str().or_else(|| e.message.as_str())
}

/// Tallies of the successful requests, by dimension and value.
struct Baseline<'a> {
    /// Successes that carry each dimension at all.
    total: [u64; DIMS.len()],
    /// Successes by value.
    by_value: [FxHashMap<&'a str, u64>; DIMS.len()],
}

impl<'a> Baseline<'a> {
    fn of(events: &'a [Event]) -> Baseline<'a> {
        // The origin carries most dimensions: successes are counted by
        // origin in one pass, then the few origins are read for values.
        let (origins, creds) = events
            .par_iter()
            .filter(|e| !e.is_failure() && !e.context_record())
            .fold(
                || (ByOrigin::<u64>::default(), FxHashMap::<&'a str, u64>::default()),
                |(mut o, mut c), e: &'a Event| {
                    o.add(e.origin_id, 1);
                    if let Some(fp) = e.auth().and_then(|a| a.credential_fp.as_deref()) {
                        *c.entry(fp).or_default() += 1;
                    }
                    (o, c)
                },
            )
            .reduce(
                || (ByOrigin::default(), FxHashMap::default()),
                |(a, mut ca), (b, cb)| {
                    for (k, n) in cb {
                        *ca.entry(k).or_default() += n;
                    }
                    (a.merged(b), ca)
                },
            );
        let mut base = Baseline {
            total: [0; DIMS.len()],
            by_value: Default::default(),
        };
        for (d, dim) in DIMS.iter().enumerate() {
            if *dim == Dim::Credential {
                for (v, n) in &creds {
                    base.total[d] += n;
                    *base.by_value[d].entry(v).or_default() += n;
                }
                continue;
            }
            if dim.read_from_error() {
                continue;
            }
            for (id, n) in origins.iter() {
                let o = id.get();
                let v = match dim {
                    Dim::Upstream => o.upstream.as_str(),
                    Dim::ClientAddress => o.client.as_str(),
                    Dim::Release => o.user_agent.as_str().and_then(release),
                    Dim::UserAgent => o.user_agent.as_str(),
                    Dim::Version => o.service_version.as_str(),
                    Dim::Route => o.route.as_str(),
                    _ => None,
                };
                if let Some(v) = v {
                    base.total[d] += n;
                    *base.by_value[d].entry(v).or_default() += n;
                }
            }
        }
        base
    }
}

/// The attributes that set `idx`'s failures apart, strongest first.
fn contrast(events: &[Event], idx: &[usize], base: &Baseline<'_>) -> Vec<Attribute> {
    let failing: Vec<&Event> = idx
        .iter()
        .filter_map(|&i| events.get(i))
        .filter(|e| e.is_failure())
        .collect();
    if failing.len() < MIN_FAILURES {
        return Vec::new();
    }
    let n = failing.len() as f64;
    let mut out = Vec::new();
    for (d, &dim) in DIMS.iter().enumerate() {
        let mut counts: FxHashMap<&str, u64> = FxHashMap::default();
        for e in &failing {
            if let Some(v) = value(dim, e) {
                *counts.entry(v).or_default() += 1;
            }
        }
        // The most frequent value; ties to the smaller text.
        let Some((v, c)) = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(v, c)| (*v, *c))
        else {
            continue;
        };
        let share = c as f64 / n;
        if share < MIN_SHARE {
            continue;
        }
        let baseline = if dim.read_from_error() {
            None
        } else {
            // A dimension the successes never carry, or carry with one
            // value only, sets nothing apart.
            let total = base.total[d];
            let distinct = base.by_value[d].len() + usize::from(!base.by_value[d].contains_key(v));
            if total == 0 || distinct < 2 {
                continue;
            }
            let b = base.by_value[d].get(v).copied().unwrap_or(0) as f64 / total as f64;
            if b > MAX_BASE_SHARE || share - b < MIN_EFFECT {
                continue;
            }
            Some(b)
        };
        out.push(Attribute {
            dim,
            value: v.to_string(),
            share: (share * 1000.0).round() / 1000.0,
            baseline: baseline.map(|b| (b * 1000.0).round() / 1000.0),
        });
    }
    // Who sent the failures: only the identities that set them apart
    // best (a client address none of the successes came from says more
    // than a release a quarter of them came from).
    let identity = |d: Dim| {
        matches!(
            d,
            Dim::Credential | Dim::ClientAddress | Dim::Release | Dim::UserAgent
        )
    };
    let best = out
        .iter()
        .filter(|a| identity(a.dim))
        .filter_map(|a| a.baseline)
        .fold(f64::INFINITY, f64::min);
    out.retain(|a| !identity(a.dim) || a.baseline.is_none_or(|b| b <= best + 0.05));
    out
}

/// Attribute every finding, and name the culprits in its subject.
pub fn attribute(findings: &mut [Finding], events: &[Event]) {
    if findings.is_empty() {
        return;
    }
    let base = Baseline::of(events);
    findings.par_iter_mut().for_each(|f| {
        let found = contrast(events, &f.events, &base);
        apply(f, &found);
        f.culprits = found;
    });
}

/// Put the attributes into the subject, where they say more than what is
/// there: the host where the failure was seen gives way to the
/// dependency named in the error, and an unknown client, version, route
/// or field is filled in.
fn apply(f: &mut Finding, found: &[Attribute]) {
    let s = &mut f.subject;
    let get = |d: Dim| found.iter().find(|a| a.dim == d).map(|a| a.value.clone());
    if let Some(dep) = get(Dim::Dependency).filter(|d| s.host.as_deref() != Some(d.as_str())) {
        s.seen_at = s.host.take();
        s.host = Some(dep);
    }
    if let Some(u) = get(Dim::Upstream) {
        s.upstream = Some(u);
    }
    if s.client.is_none() {
        s.client = get(Dim::Credential)
            .map(|fp| format!("credential {fp}"))
            .or_else(|| get(Dim::ClientAddress));
    }
    if let Some(r) = get(Dim::Release) {
        if let Some((product, version)) = r.split_once('/') {
            s.agent = Some(product.to_string());
            if s.version.is_none() {
                s.version = Some(version.to_string());
            }
        }
    } else if s.agent.is_none() {
        s.agent = get(Dim::UserAgent);
    }
    if s.version.is_none() {
        s.version = get(Dim::Version);
    }
    if s.endpoint.is_none() {
        s.endpoint = get(Dim::Route);
    }
    if s.field.is_none() {
        s.field = get(Dim::Field);
    }
}

/// A sentence naming the culprits: "every failing request went to
/// upstream 10.2.3.4:8080 (25% of successful requests)".
pub fn sentence(found: &[Attribute]) -> Option<String> {
    let parts: Vec<String> = found
        .iter()
        .filter(|a| a.dim != Dim::UserAgent || !found.iter().any(|b| b.dim == Dim::Release))
        .map(|a| {
            let how = if a.share >= 0.995 {
                "every failing request".to_string()
            } else {
                format!("{:.0}% of failing requests", a.share * 100.0)
            };
            let verb = match a.dim {
                Dim::Upstream => "went to",
                Dim::Dependency | Dim::Field => "name",
                Dim::ClientAddress | Dim::Release | Dim::UserAgent | Dim::Credential => "came from",
                Dim::Version => "ran",
                Dim::Route => "called",
            };
            let verb = if how.starts_with("every") && verb == "name" {
                "names"
            } else {
                verb
            };
            let against = a
                .baseline
                .map(|b| format!(" ({:.0}% of successful requests)", b * 100.0))
                .unwrap_or_default();
            format!("{how} {verb} {} {}{against}", a.dim.noun(), a.value)
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_come_from_the_first_product_token() {
        assert_eq!(release("ShopApp/7.2.0 (iPhone; iOS 17.4)"), Some("ShopApp/7.2.0"));
        assert_eq!(release("okhttp/4.12.0"), Some("okhttp/4.12.0"));
        assert_eq!(release("partner-sync/2.3.1"), Some("partner-sync/2.3.1"));
        assert_eq!(release("Mozilla/5.0 (Windows NT 10.0) Chrome/126.0"), None);
        assert_eq!(release("curl"), None);
        assert_eq!(release("bot/latest"), None);
    }

    #[test]
    fn dependencies_are_read_from_error_text() {
        assert_eq!(
            dependency(r#"Post "https://tax.rates.example/v1/rates": x509: certificate has expired"#),
            Some("tax.rates.example")
        );
        assert_eq!(
            dependency("dial tcp: lookup db-primary.internal on 10.0.0.2:53: no such host"),
            Some("db-primary.internal")
        );
        assert_eq!(
            dependency("dial tcp 10.1.2.3:5432: connect: connection refused"),
            Some("10.1.2.3:5432")
        );
        assert_eq!(dependency("upstream request timeout"), None);
        assert_eq!(dependency("internal error"), None);
    }

    #[test]
    fn fields_are_read_from_validator_messages() {
        for (text, want) in [
            (
                "request validation failed: field 'shipping.postcode' does not match",
                "shipping.postcode",
            ),
            ("missing field `customer_id` at line 1 column 20", "customer_id"),
            (r#"property "items[0].qty" must be positive"#, "items[0].qty"),
            ("'email' is required", "email"),
            ("parameter: \"currency\" is invalid", "currency"),
        ] {
            assert_eq!(field(text), Some(want), "{text}");
        }
        assert_eq!(field("internal error"), None);
        assert_eq!(field("connection reset by peer"), None);
    }
}
