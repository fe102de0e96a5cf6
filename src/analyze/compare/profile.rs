//! One side of a comparison, tallied: for every scope (all requests, each
//! host, each endpoint), its requests, failures, latencies, status codes,
//! error templates, response fields, request media types, authentication
//! schemes, request sizes and versions, each with the first record that
//! shows it. Events are counted by request origin first (a load and an
//! add each, in parallel), and only the few distinct origins are then
//! folded into scopes.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::comparison::{Scope, ScopeKind};
use crate::model::{Event, OptionStr, Origin};
use crate::normalize::template;

/// How often something was seen, how often it failed, and where first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Requests with it.
    pub n: u64,
    /// Failed requests with it.
    pub failures: u64,
    /// The first event with it (an index into the side's events).
    pub first: usize,
}

impl Seen {
    fn new(i: usize, failed: bool) -> Seen {
        Seen {
            n: 1,
            failures: u64::from(failed),
            first: i,
        }
    }

    fn add(&mut self, o: Seen) {
        self.n += o.n;
        self.failures += o.failures;
        self.first = self.first.min(o.first);
    }
}

/// Counts by key, each with its first event.
pub type Counts<K> = BTreeMap<K, Seen>;

fn count<K: Ord>(m: &mut Counts<K>, k: K, i: usize, failed: bool) {
    m.entry(k)
        .and_modify(|s| s.add(Seen::new(i, failed)))
        .or_insert_with(|| Seen::new(i, failed));
}

fn merge<K: Ord>(into: &mut Counts<K>, from: Counts<K>) {
    for (k, s) in from {
        into.entry(k).and_modify(|x| x.add(s)).or_insert(s);
    }
}

/// A version a request carried: the client release its user agent named,
/// or the emitting service's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `ShopApp/7.3.0`.
    Release(&'static str),
    /// Service and version.
    Service(&'static str, &'static str),
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Version::Release(r) => write!(f, "client release {r}"),
            Version::Service(s, v) => write!(f, "{s} version {v}"),
        }
    }
}

/// What one scope's requests had, on one side.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Requests.
    pub requests: u64,
    /// Failed requests.
    pub failures: u64,
    /// The first request, and the first failure.
    pub first: Option<usize>,
    /// The first failure.
    pub first_failure: Option<usize>,
    /// Durations in ms of the successful requests, with their event, sorted
    /// once tallied.
    pub durations: Vec<(f64, usize)>,
    /// Status codes.
    pub statuses: Counts<u16>,
    /// Error templates (masked texts) of the failures.
    pub templates: Counts<String>,
    /// The status codes each template's failures had.
    pub template_statuses: BTreeMap<String, Counts<u16>>,
    /// Successful JSON responses with a known shape.
    pub bodies: u64,
    /// Their fields (`.price:number`).
    pub fields: Counts<&'static str>,
    /// Requests' media types (`none` when a body-carrying method sent none).
    pub media: Counts<&'static str>,
    /// Requests' authentication schemes (`none` without one).
    pub auth: Counts<&'static str>,
    /// Requests' header name sets, where the input records every header.
    pub header_sets: Counts<&'static str>,
    /// Request body sizes in bytes (of requests with a body) with their
    /// event, sorted once tallied.
    pub sizes: Vec<(f64, usize)>,
    /// Versions and releases.
    pub versions: Counts<Version>,
    /// For an endpoint: its requests by host.
    pub hosts: Counts<&'static str>,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.requests += o.requests;
        self.failures += o.failures;
        self.first = min_opt(self.first, o.first);
        self.first_failure = min_opt(self.first_failure, o.first_failure);
        self.durations.extend(o.durations);
        merge(&mut self.statuses, o.statuses);
        merge(&mut self.templates, o.templates);
        for (k, m) in o.template_statuses {
            merge(self.template_statuses.entry(k).or_default(), m);
        }
        self.bodies += o.bodies;
        merge(&mut self.fields, o.fields);
        merge(&mut self.media, o.media);
        merge(&mut self.auth, o.auth);
        merge(&mut self.header_sets, o.header_sets);
        self.sizes.extend(o.sizes);
        merge(&mut self.versions, o.versions);
        merge(&mut self.hosts, o.hosts);
    }

    /// Sort the values kept for quantiles.
    fn finish(&mut self) {
        let by = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        self.durations.par_sort_unstable_by(by);
        self.sizes.par_sort_unstable_by(by);
    }

    /// The status most of a template's failures had.
    pub fn template_status(&self, template: &str) -> Option<u16> {
        let m = self.template_statuses.get(template)?;
        m.iter()
            .max_by(|a, b| a.1.n.cmp(&b.1.n).then(b.0.cmp(a.0)))
            .map(|(s, _)| *s)
    }

    /// The durations alone, sorted.
    pub fn latencies(&self) -> Vec<f64> {
        self.durations.iter().map(|d| d.0).collect()
    }
}

fn min_opt(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// One side, tallied by scope.
#[derive(Debug, Default)]
pub struct Profile {
    /// Every scope with a request.
    pub scopes: BTreeMap<Scope, Tally>,
    /// Earliest and latest request time (ns).
    pub span: Option<(i64, i64)>,
}

/// The scope that stands for all requests.
pub fn all() -> Scope {
    Scope {
        kind: ScopeKind::All,
        name: "all requests".into(),
    }
}

/// An endpoint's name: `GET /v1/orders/{id}`.
pub fn endpoint_name(o: &Origin) -> Option<String> {
    let route = o.route.as_str()?;
    Some(match o.method.as_str() {
        Some(m) => format!("{m} {route}"),
        None => route.to_string(),
    })
}

/// Whether an event is a request: a record of its own (not context for
/// others) with a status, a method or a failure. A log line about
/// something else is not counted.
fn is_request(e: &Event) -> bool {
    !e.context_record() && (e.status.is_some() || e.is_failure() || e.method().is_some())
}

/// Methods whose requests carry a body.
fn has_body(method: Option<&str>) -> bool {
    matches!(method, Some("POST" | "PUT" | "PATCH"))
}

/// The per-thread table of recently masked error texts: masking is a
/// dozen regex passes, and failures repeat their texts.
struct Masks {
    recent: Vec<Option<(&'static str, String)>>,
}

const MASKS: usize = 1024;

impl Masks {
    fn new() -> Masks {
        Masks {
            recent: vec![None; MASKS],
        }
    }

    fn get(&mut self, t: &'static str) -> String {
        use std::hash::BuildHasher;
        let slot = &mut self.recent[rustc_hash::FxBuildHasher.hash_one(t) as usize % MASKS];
        match slot {
            Some((seen, m)) if *seen == t => m.clone(),
            _ => {
                let m = template_key(&template::mask(t));
                *slot = Some((t, m.clone()));
                m
            }
        }
    }
}

/// A masked text as a template's key: runs of whitespace as one space,
/// and, as Drain's preprocessing does, every run of letters and digits
/// that holds a digit masked too (`ref 0086c387a1`, `node-7`, `v2beta`):
/// the masks of [`template::mask`] leave short hex ids and mixed tokens.
pub fn template_key(masked: &str) -> String {
    let mut out = String::with_capacity(masked.len());
    for (k, word) in masked.split_whitespace().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String| {
            if run.bytes().any(|b| b.is_ascii_digit()) {
                out.push_str(template::WILD);
            } else {
                out.push_str(run);
            }
            run.clear();
        };
        for ch in word.chars() {
            if ch.is_alphanumeric() {
                run.push(ch);
            } else {
                flush(&mut run, &mut out);
                out.push(ch);
            }
        }
        flush(&mut run, &mut out);
    }
    out
}

/// The error text a failure is templated by (as the miner takes it).
fn error_text(e: &Event) -> Option<&'static str> {
    e.error_text
        .as_str()
        .or(e.message.as_str())
        .filter(|t| !t.trim().is_empty())
}

/// Tally one event into its origin's tally.
fn tally_event(t: &mut Tally, e: &Event, i: usize, masks: &mut Masks) {
    let failed = e.is_failure();
    t.requests += 1;
    t.failures += u64::from(failed);
    t.first = min_opt(t.first, Some(i));
    if failed {
        t.first_failure = min_opt(t.first_failure, Some(i));
        if let Some(text) = error_text(e) {
            let key = masks.get(text);
            if let Some(s) = e.status {
                count(t.template_statuses.entry(key.clone()).or_default(), s, i, true);
            }
            count(&mut t.templates, key, i, true);
        }
    }
    // Latency is that of the requests that succeeded: a failure's time is
    // its own story (a timeout's fixed 30 s, a fast 401) and is counted
    // by the error rate, templates and status codes.
    if let Some(d) = e.duration_ms().filter(|d| d.is_finite() && !failed) {
        t.durations.push((d, i));
    }
    if let Some(s) = e.status {
        count(&mut t.statuses, s, i, failed);
    }
    let ok = e.status.is_some_and(|s| (200..300).contains(&s));
    if let Some(fields) = e.body_fields().filter(|_| ok) {
        t.bodies += 1;
        for f in fields {
            count(&mut t.fields, f.as_str(), i, failed);
        }
    }
    let method = e.method().as_str();
    match e.req_content_type() {
        Some(m) => count(&mut t.media, m.as_str(), i, failed),
        None if has_body(method) => count(&mut t.media, "none", i, failed),
        None => {}
    }
    if let Some(h) = e.req_headers() {
        count(&mut t.header_sets, h.as_str(), i, failed);
    }
    let scheme = e.auth().and_then(|a| a.scheme.as_deref());
    count(&mut t.auth, auth_key(scheme), i, failed);
    if let Some(b) = e.req_bytes().filter(|&b| b > 0) {
        t.sizes.push((b as f64, i));
    }
    if let Some(r) = e.release.as_str() {
        count(&mut t.versions, Version::Release(r), i, failed);
    }
}

/// Authentication schemes as keys: the common ones in one spelling, the
/// rest as `other` (a scheme is a word; anything else is not worth a key).
fn auth_key(scheme: Option<&str>) -> &'static str {
    let Some(s) = scheme else { return "none" };
    for k in [
        "Bearer",
        "Basic",
        "Digest",
        "Negotiate",
        "NTLM",
        "AWS4-HMAC-SHA256",
        "ApiKey",
        "Token",
    ] {
        if s.eq_ignore_ascii_case(k) {
            return k;
        }
    }
    "other"
}

/// Tally one side's events.
pub fn of(events: &[Event]) -> Profile {
    // By origin, in parallel runs; the merge adds counts and keeps the
    // smallest event index, so the result does not depend on the split.
    let run = (events.len() / (4 * rayon::current_num_threads()).max(1)).max(4096);
    let by_origin: FxHashMap<usize, Tally> = events
        .par_chunks(run)
        .enumerate()
        .map(|(c, chunk)| {
            let mut masks = Masks::new();
            let mut out: FxHashMap<usize, Tally> = FxHashMap::default();
            for (k, e) in chunk.iter().enumerate() {
                if is_request(e) {
                    let t = out.entry(e.origin_id.index()).or_default();
                    tally_event(t, e, c * run + k, &mut masks);
                }
            }
            out
        })
        .reduce(FxHashMap::default, |mut a, b| {
            for (k, t) in b {
                a.entry(k).or_default().add(t);
            }
            a
        });
    let mut origins: Vec<(usize, Tally)> = by_origin.into_iter().collect();
    origins.sort_by_key(|(k, _)| *k);
    let mut scopes: BTreeMap<Scope, Tally> = BTreeMap::new();
    for (_, t) in origins {
        let Some(first) = t.first else { continue };
        let o = events[first].origin();
        let mut t = t;
        if let (Some(s), Some(v)) = (o.service.as_str(), o.service_version.as_str()) {
            t.versions.insert(
                Version::Service(s, v),
                Seen {
                    n: t.requests,
                    failures: t.failures,
                    first,
                },
            );
        }
        if let Some(h) = o.host.as_str() {
            if let Some(ep) = endpoint_name(&o) {
                let mut with_host = t.clone();
                with_host.hosts.insert(
                    h,
                    Seen {
                        n: t.requests,
                        failures: t.failures,
                        first,
                    },
                );
                add_to(&mut scopes, ScopeKind::Endpoint, ep, with_host);
            }
            add_to(&mut scopes, ScopeKind::Host, h.to_string(), t.clone());
        } else if let Some(ep) = endpoint_name(&o) {
            add_to(&mut scopes, ScopeKind::Endpoint, ep, t.clone());
        }
        add_to(&mut scopes, ScopeKind::All, all().name, t);
    }
    scopes.par_iter_mut().for_each(|(_, t)| t.finish());
    let span = events
        .par_iter()
        .filter(|e| is_request(e))
        .filter_map(Event::ts_ns)
        .fold(
            || None,
            |acc: Option<(i64, i64)>, t| Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t)))),
        )
        .reduce(
            || None,
            |x, y| match (x, y) {
                (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                (x, None) => x,
                (None, y) => y,
            },
        );
    Profile { scopes, span }
}

fn add_to(scopes: &mut BTreeMap<Scope, Tally>, kind: ScopeKind, name: String, t: Tally) {
    scopes.entry(Scope { kind, name }).or_default().add(t);
}

/// Minutes a side covers, at least one.
pub fn minutes(span: Option<(i64, i64)>) -> f64 {
    span.map_or(1.0, |(a, b)| ((b - a) as f64 / 60e9).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{intern, Origin, SourceId};
    use crate::model::{ErrorClass, Locator};

    fn ev(i: u64, route: &str, status: u16, dur: f64) -> Event {
        let mut e = Event::at(SourceId(0), Locator::Line(i + 1), i * 10);
        e.set_origin(&Origin {
            method: Some(intern("GET")),
            host: Some(intern("api.profile.test")),
            route: Some(intern(route)),
            ..Origin::default()
        });
        e.status = Some(status);
        e.set_duration_ms(Some(dur));
        e.set_ts_ns(Some(1_700_000_000_000_000_000 + i as i64 * 1_000_000_000));
        if status >= 500 {
            e.error_class = Some(ErrorClass::Unavailable);
            e.error_text = Some(intern(&format!("upstream node-{i} failed")));
        }
        e
    }

    #[test]
    fn scopes_count_requests_failures_and_templates_with_ids_masked() {
        let events: Vec<Event> = (0..10)
            .map(|i| {
                ev(
                    i,
                    if i % 2 == 0 { "/a" } else { "/b" },
                    if i == 3 || i == 5 { 503 } else { 200 },
                    i as f64,
                )
            })
            .collect();
        let p = of(&events);
        let all = &p.scopes[&all()];
        assert_eq!((all.requests, all.failures), (10, 2));
        let b = &p.scopes[&Scope {
            kind: ScopeKind::Endpoint,
            name: "GET /b".into(),
        }];
        assert_eq!((b.requests, b.failures), (5, 2));
        // Two texts differing in an id are one template, first seen at event 3.
        assert_eq!(b.templates.len(), 1, "{:?}", b.templates);
        let seen = b.templates.values().next().copied();
        assert_eq!(seen.map(|s| (s.n, s.first)), Some((2, 3)));
        assert_eq!(b.statuses[&503].n, 2);
        let host = &p.scopes[&Scope {
            kind: ScopeKind::Host,
            name: "api.profile.test".into(),
        }];
        assert_eq!(host.requests, 10);
        assert!(all.durations.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(minutes(p.span), 1.0);
    }

    #[test]
    fn template_keys_mask_every_token_with_a_digit() {
        assert_eq!(
            template_key("upstream   payments-svc:<*> reset (attempt <*>, ref 0086c387a1)"),
            "upstream payments-svc:<*> reset (attempt <*>, ref <*>)"
        );
        assert_eq!(template_key("node-7 failed at v2beta"), "node-<*> failed at <*>");
        assert_eq!(template_key("no digits here"), "no digits here");
    }
}
