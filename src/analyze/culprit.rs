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

use crate::model::{Attribute, ByOrigin, Dim, Event, OptionStr, Origin, Str, Subject};
use crate::rules::{CompiledRule, Finding};

/// Failures a finding needs before its attributes mean anything.
const MIN_FAILURES: usize = 5;
/// Share of the failures that must carry the value.
const MIN_SHARE: f64 = 0.8;
/// Smallest request body that can be too large: below it, sizes differ
/// without mattering.
const MIN_TOO_LARGE: u64 = 64 * 1024;
/// Largest share of successful requests to the same routes that may be
/// as large as the failing ones.
const MAX_LARGE_SUCCESSES: f64 = 0.05;
/// Categories whose failures a body size can explain (a proxy timing out
/// while it reads a large body, an upstream dropping the connection).
const SIZE_SENSITIVE: &[&str] = &[
    "upstream.timeout",
    "upstream.server_error",
    "upstream.unavailable",
    "network.connection",
];
/// The category a size split re-diagnoses a finding as.
const TOO_LARGE: &str = "payload.too_large";

/// Failures of one finding read for its attributes, at most.
const MAX_SAMPLE: usize = 4096;

/// Largest share of the successes that may carry it.
const MAX_BASE_SHARE: f64 = 0.5;
/// Smallest difference between the two shares.
const MIN_EFFECT: f64 = 0.4;

const DIMS: [Dim; 11] = [
    Dim::Upstream,
    Dim::Cluster,
    Dim::Dependency,
    Dim::ClientAddress,
    Dim::Release,
    Dim::UserAgent,
    Dim::Credential,
    Dim::Version,
    Dim::Route,
    Dim::ContentType,
    Dim::Field,
];

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
    // Most error texts name no host: a cheap look for the words the
    // pattern needs comes first.
    let b = text.as_bytes();
    let maybe = memchr::memmem::find(b, b"://").is_some()
        || ["lookup", "dial", "host", "server", "upstream", "peer"]
            .iter()
            .any(|w| b.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w.as_bytes())));
    if !maybe {
        return None;
    }
    let found = first_capture(DEPENDENCY.as_ref()?, text)?;
    let (host, port) = found.rsplit_once(':').unwrap_or((found, ""));
    let numeric = host.chars().all(|c| c.is_ascii_digit() || c == '.');
    Some(if numeric || port.is_empty() { found } else { host })
}

/// The field an error text names.
pub fn field(text: &str) -> Option<&str> {
    // A named field is quoted.
    let quoted = memchr::memchr3(b'\'', b'"', b'`', text.as_bytes()).is_some() || text.contains(['‘', '“']);
    if !quoted {
        return None;
    }
    first_capture(FIELD.as_ref()?, text)
}

/// The value of a dimension the request's origin carries; `None` for the
/// others.
fn of_origin(dim: Dim, o: &Origin) -> Option<&'static str> {
    match dim {
        Dim::Upstream => o.upstream.as_str(),
        Dim::Cluster => o.cluster.as_str(),
        Dim::Version => o.service_version.as_str(),
        Dim::Route => o.route.as_str(),
        _ => None,
    }
}

/// The value of `dim` on an event.
fn value(dim: Dim, e: &Event) -> Option<&str> {
    match dim {
        Dim::Credential => e.auth().and_then(|a| a.credential_fp.as_deref()),
        Dim::UserAgent => e.user_agent.as_deref(),
        Dim::ClientAddress => e.client.as_str(),
        Dim::Release => e.release.as_str(),
        Dim::ContentType => e.req_content_type().as_str(),
        Dim::Dependency => in_error(e, dependency),
        Dim::Field => in_error(e, field),
        // A threshold, not a value of one event: see `size_split`.
        Dim::Size => None,
        _ => of_origin(dim, e.origin_id.get()),
    }
}

/// What `find` reads in a failure's error text, or else in its message.
fn in_error(e: &Event, find: fn(&str) -> Option<&str>) -> Option<&'static str> {
    e.error_text
        .as_str()
        .and_then(find)
        .or_else(|| e.message.as_str().and_then(find))
}

/// Tallies of the successful requests, by dimension and value: what the
/// failures are compared with.
pub struct Baseline<'a> {
    /// Successes that carry each dimension at all.
    total: [u64; DIMS.len()],
    /// Successes by value. For the [`PER_EVENT`] dimensions, whose values
    /// may be nearly as many as the requests, only the values some failure
    /// carries: no other value's share is ever asked for.
    by_value: [FxHashMap<&'a str, u64>; DIMS.len()],
}

/// The dimensions read off each event rather than its origin: values
/// nearly as many as the requests (a client address, a user agent, a
/// credential) or held outside the origin (a release, a media type).
const PER_EVENT: [Dim; 5] = [
    Dim::ClientAddress,
    Dim::Release,
    Dim::UserAgent,
    Dim::Credential,
    Dim::ContentType,
];

/// What the successes' values of one [`PER_EVENT`] dimension are tallied
/// into: how many carry one at all, and counts of the values the failures
/// carry.
#[derive(Default)]
struct Values<'a> {
    total: u64,
    counts: FxHashMap<&'a str, u64>,
}

impl<'a> Values<'a> {
    fn absorb(&mut self, other: Values<'a>) {
        self.total += other.total;
        for (k, n) in other.counts {
            *self.counts.entry(k).or_default() += n;
        }
    }
}

type PerEvent<'a> = [Values<'a>; PER_EVENT.len()];

impl<'a> Baseline<'a> {
    /// One pass over the events (it can run beside the rules).
    pub fn of(events: &'a [Event]) -> Baseline<'a> {
        let mut failing: [rustc_hash::FxHashSet<&'a str>; PER_EVENT.len()] = Default::default();
        for e in events.iter().filter(|e| e.is_failure()) {
            for (k, &dim) in PER_EVENT.iter().enumerate() {
                if let Some(v) = value(dim, e) {
                    failing[k].insert(v);
                }
            }
        }
        // The origin carries most dimensions: successes are counted by
        // origin in one pass, then the few origins are read for values.
        // The others are tallied beside, by value.
        // One run a thread ([`ByOrigin::run_len`]): a fold split as rayon
        // likes made thousands of tables of every origin on a 10 GiB log,
        // and merging them was most of the stage.
        let (origins, per_event) = events
            .par_chunks(ByOrigin::<u64>::run_len(events.len()))
            .map(|run: &'a [Event]| {
                let (mut o, mut t) = (ByOrigin::<u64>::default(), PerEvent::default());
                for e in run.iter().filter(|e| !e.is_failure() && !e.context_record()) {
                    o.add(e.origin_id, 1);
                    for (k, &dim) in PER_EVENT.iter().enumerate() {
                        if let Some(v) = value(dim, e) {
                            let t = &mut t[k];
                            t.total += 1;
                            if failing[k].contains(v) {
                                *t.counts.entry(v).or_default() += 1;
                            }
                        }
                    }
                }
                (o, t)
            })
            .reduce(
                || (ByOrigin::default(), PerEvent::default()),
                |(a, mut ta), (b, tb)| {
                    for (x, y) in ta.iter_mut().zip(tb) {
                        x.absorb(y);
                    }
                    (a.merged(b), ta)
                },
            );
        let mut base = Baseline {
            total: [0; DIMS.len()],
            by_value: Default::default(),
        };
        for (dim, t) in PER_EVENT.iter().zip(per_event) {
            if let Some(d) = DIMS.iter().position(|x| x == dim) {
                base.total[d] = t.total;
                base.by_value[d] = t.counts;
            }
        }
        for (d, dim) in DIMS.iter().enumerate() {
            if PER_EVENT.contains(dim) || dim.read_from_error() {
                continue;
            }
            for (id, n) in origins.iter() {
                if let Some(v) = of_origin(*dim, id.get()) {
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
    let all: Vec<&Event> = idx
        .iter()
        .filter_map(|&i| events.get(i))
        .filter(|e| e.is_failure())
        .collect();
    if all.len() < MIN_FAILURES {
        return Vec::new();
    }
    // Shares of 80% and more are read as well off an even sample: a large
    // finding costs no more than this many events.
    let stride = all.len().div_ceil(MAX_SAMPLE);
    let failing: Vec<&Event> = all.into_iter().step_by(stride).collect();
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
            // A dimension the successes never carry sets nothing apart;
            // nor does one whose only value is the failures' (its share
            // is then 1, above `MAX_BASE_SHARE`).
            let total = base.total[d];
            if total == 0 {
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

/// What sets the failures among `idx` apart from all successful traffic.
pub fn of_failures(events: &[Event], idx: &[usize]) -> Vec<Attribute> {
    contrast(events, idx, &Baseline::of(events))
}

/// A body size that sets the failures apart from the successful requests
/// to the same routes: nearly every failure sent at least that much, and
/// almost no success did.
fn size_split(events: &[Event], idx: &[usize]) -> Option<Attribute> {
    let failing: Vec<&Event> = idx
        .iter()
        .filter_map(|&i| events.get(i))
        .filter(|e| e.is_failure())
        .collect();
    let mut sizes: Vec<u64> = failing.iter().filter_map(|e| e.req_bytes()).collect();
    if sizes.len() < MIN_FAILURES || (sizes.len() as f64) < MIN_SHARE * failing.len() as f64 {
        return None;
    }
    sizes.sort_unstable();
    let mut routes: Vec<Str> = failing.iter().filter_map(|e| e.route()).collect();
    routes.sort_unstable();
    routes.dedup();
    let mut ok: Vec<u64> = events
        .par_iter()
        .filter(|e| !e.is_failure() && e.route().is_some_and(|r| routes.binary_search(&r).is_ok()))
        .filter_map(Event::req_bytes)
        .collect();
    if ok.len() < MIN_FAILURES {
        return None;
    }
    ok.sort_unstable();
    // The smallest failing size that almost no success reaches.
    let at_least = |v: &[u64], t: u64| (v.len() - v.partition_point(|&b| b < t)) as f64 / v.len() as f64;
    let threshold = sizes
        .iter()
        .copied()
        .find(|&t| t >= MIN_TOO_LARGE && at_least(&ok, t) <= MAX_LARGE_SUCCESSES)?;
    let baseline = at_least(&ok, threshold);
    if at_least(&sizes, threshold) < 0.9 {
        return None;
    }
    let share = sizes.iter().filter(|&&b| b >= threshold).count() as f64 / failing.len() as f64;
    Some(Attribute {
        dim: Dim::Size,
        value: human_bytes(threshold),
        share: (share * 1000.0).round() / 1000.0,
        baseline: Some((baseline * 1000.0).round() / 1000.0),
    })
}

/// `9.0 MiB`, `640 KiB`, `812 B`.
fn human_bytes(b: u64) -> String {
    const KIB: f64 = 1024.0;
    let v = b as f64;
    if v >= KIB * KIB {
        format!("{:.1} MiB", v / (KIB * KIB))
    } else if v >= KIB {
        format!("{:.0} KiB", v / KIB)
    } else {
        format!("{b} B")
    }
}

/// Attribute every finding, and name the culprits in its subject. A
/// finding whose failures are the large requests to its routes (timeouts
/// while a proxy reads a big body, with no 413 anywhere) is re-diagnosed
/// as a payload that was too large.
pub fn attribute(rules: &[CompiledRule], findings: &mut [Finding], events: &[Event], base: &Baseline<'_>) {
    if findings.is_empty() {
        return;
    }
    let too_large = rules.iter().position(|r| r.category == TOO_LARGE);
    findings.par_iter_mut().for_each(|f| {
        let mut found = contrast(events, &f.events, base);
        let sensitive = rules
            .get(f.rule)
            .is_some_and(|r| SIZE_SENSITIVE.contains(&r.category.as_str()));
        if let (true, Some(t)) = (sensitive, too_large) {
            if let Some(size) = size_split(events, &f.events) {
                f.detail = Some(format!("bodies of {} or more", size.value));
                f.rule = t;
                found.push(size);
            }
        }
        apply(&mut f.subject, &found);
        f.culprits = found;
    });
}

/// Put the attributes into the subject, where they say more than what is
/// there: the host where the failure was seen gives way to the
/// dependency named in the error, and an unknown client, version, route
/// or field is filled in.
pub fn apply(s: &mut Subject, found: &[Attribute]) {
    let get = |d: Dim| found.iter().find(|a| a.dim == d).map(|a| a.value.clone());
    // A host that is the dependency itself (with or without its port)
    // is not where it was seen from.
    let bare = |h: &str| {
        h.rsplit_once(':')
            .map_or(h, |(name, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    name
                } else {
                    h
                }
            })
            .to_string()
    };
    if let Some(dep) = get(Dim::Dependency) {
        if s.host.as_deref().map(bare) != Some(bare(&dep)) {
            s.seen_at = s.host.take();
        }
        s.host = Some(dep);
    }
    if let Some(u) = get(Dim::Upstream).or_else(|| get(Dim::Cluster)) {
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
    if let Some(t) = get(Dim::ContentType) {
        s.content_type = Some(t);
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
            if a.dim == Dim::Size {
                let against = a
                    .baseline
                    .map(|b| format!(" ({:.0}% of successful requests to the same routes)", b * 100.0))
                    .unwrap_or_default();
                return format!("{how} sent a body of {} or more{against}", a.value);
            }
            let verb = match a.dim {
                Dim::Upstream | Dim::Cluster => "went to",
                Dim::Dependency | Dim::Field => "name",
                Dim::ClientAddress | Dim::Release | Dim::UserAgent | Dim::Credential => "came from",
                Dim::Version => "ran",
                Dim::Route => "called",
                Dim::ContentType | Dim::Size => "sent",
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
    use crate::normalize::agent::release;

    #[test]
    fn releases_come_from_the_first_product_token() {
        assert_eq!(release("ShopApp/7.2.0 (iPhone; iOS 17.4)"), Some("ShopApp/7.2.0"));
        assert_eq!(release("okhttp/4.12.0"), Some("okhttp/4.12.0"));
        assert_eq!(release("partner-sync/2.3.1"), Some("partner-sync/2.3.1"));
        assert_eq!(release("Mozilla/5.0 (Windows NT 10.0) Chrome/126.0"), None);
        assert_eq!(release("curl"), None);
        assert_eq!(release("bot/latest"), None);
    }

    /// Successes from `n` distinct browsers, then ten failures from one
    /// user agent; `shared` successes carry that user agent too.
    fn agents(n: usize, shared: usize) -> Vec<Event> {
        let ev = |ua: String, failed: bool| Event {
            status: Some(if failed { 500 } else { 200 }),
            error_class: failed.then_some(crate::model::ErrorClass::Http5xx),
            user_agent: Some(ua.into()),
            ..Event::default()
        };
        let bad = "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0";
        let mut events: Vec<Event> = (0..n)
            .map(|i| {
                ev(
                    format!("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0.{i}"),
                    false,
                )
            })
            .collect();
        events.extend((0..shared).map(|_| ev(bad.to_string(), false)));
        events.extend((0..10).map(|_| ev(bad.to_string(), true)));
        events
    }

    #[test]
    fn a_user_agent_is_contrasted_with_the_successes_though_they_all_differ() {
        let events = agents(200, 0);
        let idx: Vec<usize> = (200..210).collect();
        let found = of_failures(&events, &idx);
        let ua = found.iter().find(|a| a.dim == Dim::UserAgent);
        assert_eq!(
            ua.map(|a| (a.value.as_str(), a.share, a.baseline)),
            Some(("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", 1.0, Some(0.0))),
            "{found:?}"
        );
        // The same user agent on most successes sets nothing apart.
        let events = agents(50, 150);
        let idx: Vec<usize> = (200..210).collect();
        assert!(!of_failures(&events, &idx).iter().any(|a| a.dim == Dim::UserAgent));
        // Successes that all carry one other user agent: it still does.
        let events = agents(1, 0);
        let idx: Vec<usize> = (1..11).collect();
        assert!(of_failures(&events, &idx).iter().any(|a| a.dim == Dim::UserAgent));
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
