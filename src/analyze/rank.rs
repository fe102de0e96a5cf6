//! From findings to ranked root causes. Each finding (rule × group ×
//! interval) is a candidate. A blame graph joins them: an edge a → b when
//! a's rule `explains` b's category on the same scope and a began first,
//! or when failing traces show a's events as the deeper failing hop under
//! b's. Findings with a parent fold under their root as symptoms. Roots
//! are scored on severity and prior, confidence against the baseline,
//! impact, earliness (clock-skew tolerant), causal position and
//! specificity; every factor and weight is in the report. Ties break on
//! onset and rule id, so the order is deterministic.

use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::analyze::correlate::Links;
use crate::analyze::evidence::Ctx;
use crate::analyze::traces::Blame;
use crate::model::report::{Cause, Factors, Hop, Symptom, Weights};
use crate::model::OptionStr;
use crate::model::{Dim, Event};
use crate::normalize::time::format_ns;
use crate::rules::{CompiledRule, Finding};

/// Categories of a dependency's failure, which its callers report as
/// their own server errors.
const DEPENDENCY_FAILURES: &[&str] = &[
    "upstream.unavailable",
    "upstream.timeout",
    "network.dns",
    "network.tls",
    "network.connection",
];
/// The category of causes that are a client's own load.
const CLIENT_LOAD: &str = "client.retry_storm";
/// Onsets this close are treated as simultaneous (clock skew between sources).
pub const SKEW_TOLERANCE_NS: i64 = 5_000_000_000;
/// A symptom must begin while its cause is active, or at most this long
/// after the cause's last event.
const FOLLOW_WINDOW_NS: i64 = 2 * 60 * 1_000_000_000;
/// A symptom begins within this long of its cause's first hot window.
const ONSET_WINDOW_NS: i64 = 5 * 60 * 1_000_000_000;
/// Evidence records listed per cause or symptom.
const EVIDENCE_PER_FINDING: usize = 5;
/// Traces that must agree before a trace edge folds one finding under another.
const MIN_TRACE_EDGES: u64 = 3;

/// The score's weights.
pub const WEIGHTS: Weights = Weights {
    severity: 0.20,
    baseline: 0.15,
    impact: 0.25,
    earliness: 0.15,
    causal: 0.20,
    specificity: 0.05,
};

fn round(v: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (v * m).round() / m
}

fn ts(v: Option<i64>) -> Option<String> {
    v.map(format_ns)
}

/// A ranked root: its finding and the findings folded under it.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// The report's cause.
    pub cause: Cause,
    /// Index of the root finding.
    pub root: usize,
    /// Indices of its symptom findings, in onset order.
    pub symptoms: Vec<usize>,
}

/// Trace edges between findings: how many failing traces put a finding's
/// event deeper than another finding's event.
struct TraceEdges {
    count: FxHashMap<(usize, usize), u64>,
    /// Per finding: (events that are a trace's deepest failure, traced failing events).
    depth: Vec<(u64, u64)>,
}

fn trace_edges(findings: &[Finding], blame: &Blame) -> TraceEdges {
    let mut of_event: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (fi, f) in findings.iter().enumerate() {
        for &i in &f.events {
            if blame.traced.contains(&i) {
                of_event.entry(i).or_default().push(fi);
            }
        }
    }
    let mut count: FxHashMap<(usize, usize), u64> = FxHashMap::default();
    for &(deep, shallow) in &blame.edges {
        let (Some(a), Some(b)) = (of_event.get(&deep), of_event.get(&shallow)) else {
            continue;
        };
        for &fa in a {
            for &fb in b {
                if fa != fb {
                    *count.entry((fa, fb)).or_default() += 1;
                }
            }
        }
    }
    let depth = findings
        .iter()
        .map(|f| {
            let traced = f.events.iter().filter(|i| blame.traced.contains(i)).count() as u64;
            let deepest = f.events.iter().filter(|i| blame.deepest.contains(i)).count() as u64;
            (deepest, traced)
        })
        .collect();
    TraceEdges { count, depth }
}

impl TraceEdges {
    fn get(&self, a: usize, b: usize) -> u64 {
        self.count.get(&(a, b)).copied().unwrap_or(0)
    }

    /// Whether the traces put `a`'s failures below `b`'s, clearly.
    fn deeper(&self, a: usize, b: usize) -> bool {
        let (ab, ba) = (self.get(a, b), self.get(b, a));
        ab >= MIN_TRACE_EDGES && ab > 2 * ba
    }
}

/// Share of a finding's events before its bulk begins.
const BULK_SHARE: f64 = 0.05;
/// Events this long before a finding's bulk are strays, not its ramp.
const STRAY_GAP_NS: i64 = 20_000_000_000;

/// What the blame graph reads of each finding for every pair it weighs,
/// worked out once per finding.
struct Facts {
    /// When its bulk began: its onset, or the time of the event at
    /// `BULK_SHARE` of them (they are in time order) when that comes more
    /// than `STRAY_GAP_NS` later. A few strays before a burst (a herring
    /// that happens to share the burst's error text) move its onset but
    /// not this.
    bulk: Option<i64>,
    /// The one input all its events came from, if there is one.
    input: Option<crate::model::SourceId>,
}

impl Facts {
    fn of(events: &[Event], f: &Finding) -> Facts {
        let onset = f.onset_ts.or(f.first_ts);
        let k = (f.events.len() as f64 * BULK_SHARE) as usize;
        let at_k = f
            .events
            .get(k)
            .and_then(|&i| events.get(i))
            .and_then(Event::ts_ns);
        let bulk = match (onset, at_k) {
            (Some(o), Some(t)) if t.saturating_sub(o) > STRAY_GAP_NS => Some(t),
            (o, t) => o.or(t),
        };
        let first = f.events.first().and_then(|&i| events.get(i)).map(|e| e.source);
        let input = first.filter(|&s| {
            f.events
                .iter()
                .all(|&i| events.get(i).is_some_and(|e| e.source == s))
        });
        Facts { bulk, input }
    }
}

/// Whether `b` begins when `a` could have caused it: not before `a` (within
/// clock-skew tolerance; `b`'s bulk counts, not strays before it), within
/// `ONSET_WINDOW_NS` of `a` turning hot, and while `a` is active (or
/// shortly after).
fn timely(a: &Finding, b: &Finding, b_facts: &Facts) -> bool {
    match (
        a.onset_ts.or(a.first_ts),
        a.first_ts,
        a.last_ts,
        b.onset_ts.or(b.first_ts),
    ) {
        (Some(ao), Some(af), Some(al), Some(bo)) => {
            let b_bulk = b_facts.bulk.unwrap_or(bo).max(bo);
            ao <= b_bulk.saturating_add(SKEW_TOLERANCE_NS)
                && bo <= af.saturating_add(ONSET_WINDOW_NS)
                && bo <= al.saturating_add(FOLLOW_WINDOW_NS)
        }
        _ => true,
    }
}

/// Whether finding `a` explains finding `b` by its rule: the rule names
/// `b`'s category, `a` began no later than `b` (within clock-skew
/// tolerance), and they concern the same host, or requests of one trace
/// crossed both.
fn rule_explains(
    rules: &[CompiledRule],
    (a, a_facts): (&Finding, &Facts),
    (b, b_facts): (&Finding, &Facts),
    share_traces: bool,
) -> bool {
    let (ra, rb) = (&rules[a.rule], &rules[b.rule]);
    // A rule may explain its own category only where it says so (a drift
    // seen in responses explains the decode errors it causes).
    if ra.id == rb.id || !ra.explains.contains(&rb.category) {
        return false;
    }
    // Something present since before the inputs began cannot explain a
    // change that came later.
    if !a.history && b.history {
        return false;
    }
    let same_input = a_facts.input.is_some() && a_facts.input == b_facts.input;
    same_scope(a, b, share_traces, same_input) && timely(a, b, b_facts)
}

/// Whether two findings can concern the same thing: requests of one trace
/// crossed both, or they do not name different hosts (or, where a host is
/// unknown, different endpoints or services).
fn same_scope(a: &Finding, b: &Finding, share_traces: bool, same_input: bool) -> bool {
    let differ = |x: &Option<String>, y: &Option<String>| matches!((x, y), (Some(x), Some(y)) if x != y);
    let (sa, sb) = (&a.subject, &b.subject);
    if share_traces {
        return true;
    }
    // One service logged both: a dependency it called and its own
    // failures (dependency failure → errors at its callers). Without
    // service names, one input holding both says the same.
    if sa.host != sb.host {
        let same_service = match (&sa.service, &sb.service) {
            (Some(x), Some(y)) => x == y,
            (None, None) => same_input,
            _ => false,
        };
        if same_service {
            return true;
        }
    }
    // Where each was seen: a dependency's failure is seen at its callers.
    let (ha, hb) = (
        sa.seen_at.as_ref().or(sa.host.as_ref()),
        sb.seen_at.as_ref().or(sb.host.as_ref()),
    );
    if let (Some(ha), Some(hb)) = (ha, hb) {
        return ha == hb || sa.host == sb.host;
    }
    !differ(&sa.endpoint, &sb.endpoint) && !differ(&sa.service, &sb.service)
}

/// Share of `b`'s events whose request (client and route) also appears
/// among `a`'s events; an unknown client matches any.
fn affinity(events: &[Event], a: &Finding, b: &Finding) -> f64 {
    if b.events.is_empty() {
        return 0.0;
    }
    let mut by_route: FxHashMap<&str, Vec<Option<&str>>> = FxHashMap::default();
    for &i in &a.events {
        let e = &events[i];
        let clients = by_route.entry(e.route().as_str().unwrap_or("")).or_default();
        let c = e.client().as_str();
        if clients.len() < 64 && !clients.contains(&c) {
            clients.push(c);
        }
    }
    let hits = b
        .events
        .iter()
        .filter(|&&i| {
            let e = &events[i];
            by_route.get(e.route().as_str().unwrap_or("")).is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.is_none() || e.client().is_none() || *c == e.client().as_str())
            })
        })
        .count();
    hits as f64 / b.events.len() as f64
}

/// Share of `b`'s events that are also `a`'s; both sorted by index.
fn overlap(a: &[usize], b: &[usize]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut n) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n as f64 / b.len() as f64
}

fn fill(template: &str, f: &Finding, rule: &CompiledRule) -> String {
    let retry = f
        .retry_after_max
        .map(|s| format!(", with Retry-After up to {s:.0} s"))
        .unwrap_or_default();
    template
        .replace("{events}", &f.events.len().to_string())
        .replace("{subject}", &f.subject.describe())
        .replace(
            "{first_seen}",
            ts(f.first_ts).as_deref().unwrap_or("an unknown time"),
        )
        .replace(
            "{last_seen}",
            ts(f.last_ts).as_deref().unwrap_or("an unknown time"),
        )
        .replace("{retry_after}", &retry)
        .replace("{title}", &rule.title)
        .replace("{detail}", f.detail.as_deref().unwrap_or("a field changed"))
        .trim()
        .to_string()
}

/// The hops of the trace of event `i`, outermost first.
fn hops(ctx: &Ctx<'_>, links: &Links, i: usize) -> Vec<Hop> {
    match links.group(i) {
        Some(group) if group.len() <= 64 => crate::analyze::traces::hops(ctx.events, ctx.sources, group),
        _ => Vec::new(),
    }
}

/// Rank findings into root causes with folded symptoms.
pub fn rank(
    rules: &[CompiledRule],
    findings: &[Finding],
    ctx: &Ctx<'_>,
    links: &Links,
    blame: &Blame,
) -> Vec<Ranked> {
    let events: &[Event] = ctx.events;
    // Whether event `i` failed is read off the event: no set of failures
    // is gathered (a pass over every event, serial).
    let is_failure = |i: &&usize| events.get(**i).is_some_and(Event::is_failure);
    let total_failures = events.par_iter().filter(|e| e.is_failure()).count().max(1) as f64;
    let onset = |f: &Finding| f.onset_ts.or(f.first_ts);
    let start = findings.iter().filter_map(onset).min();
    let end = findings.iter().filter_map(|f| f.last_ts).max();
    let span = match (start, end) {
        (Some(a), Some(b)) => (b.saturating_sub(a) as f64).max(1e9),
        _ => 1e9,
    };
    let edges = trace_edges(findings, blame);

    let failing = |idx: &[usize]| idx.iter().filter(is_failure).count() as f64;
    struct Base {
        sev: f64,
        baseline: f64,
        impact: f64,
        early: f64,
        spec: f64,
    }
    let base: Vec<Base> = findings
        .iter()
        .map(|f| {
            let r = &rules[f.rule];
            // Without history before it, a finding's onset is unknown.
            let early = match (onset(f), start) {
                _ if !f.history => 0.5,
                (Some(t), Some(s)) => {
                    1.0 - (t.saturating_sub(s).saturating_sub(SKEW_TOLERANCE_NS).max(0) as f64 / span)
                        .min(1.0)
                }
                _ => 0.5,
            };
            Base {
                sev: r.severity.weight() * r.prior,
                baseline: f.baseline.unwrap_or(0.5),
                impact: failing(&f.events) / total_failures,
                early,
                spec: (f.events.len() as f64 / f.group_events.max(1) as f64).min(1.0),
            }
        })
        .collect();
    let base_score = |i: usize| {
        let b = &base[i];
        WEIGHTS.severity * b.sev
            + WEIGHTS.baseline * b.baseline
            + WEIGHTS.impact * b.impact
            + WEIGHTS.earliness * b.early
            + WEIGHTS.specificity * b.spec
    };
    let order_key = |i: usize| {
        (
            onset(&findings[i]).unwrap_or(i64::MAX),
            std::cmp::Reverse((base_score(i) * 1e9) as i64),
            i,
        )
    };
    let facts: Vec<Facts> = findings.iter().map(|f| Facts::of(events, f)).collect();
    let bulk = |i: usize| facts[i].bulk.unwrap_or(i64::MAX);
    let same_input = |a: usize, b: usize| facts[a].input.is_some() && facts[a].input == facts[b].input;
    let traces: Vec<rustc_hash::FxHashSet<&str>> = findings
        .iter()
        .map(|f| {
            f.events
                .iter()
                .filter_map(|&i| events[i].trace_id.as_deref())
                .collect()
        })
        .collect();
    let share = |a: usize, b: usize| traces[a].iter().any(|t| traces[b].contains(t));
    // Each finding's events by index, once, for overlaps.
    let by_index: Vec<Vec<usize>> = findings
        .iter()
        .map(|f| {
            let mut v = f.events.clone();
            v.sort_unstable();
            v
        })
        .collect();
    // The same failures described by two rules (or one rule's overlapping
    // groups): the higher prior (the more specific diagnosis) explains the other.
    let same_evidence = |a: usize, b: usize| {
        let (ra, rb) = (&rules[findings[a].rule], &rules[findings[b].rule]);
        (ra.prior, std::cmp::Reverse(a)) > (rb.prior, std::cmp::Reverse(b))
            && overlap(&by_index[a], &by_index[b]) >= 0.8
    };
    // A dependency that failed (unavailable, timing out, unreachable)
    // explains the server errors of the service that called it: another
    // host than the dependency, logged by the same service or input.
    let dependency_edge = |a: usize, b: usize| {
        let (fa, fb) = (&findings[a], &findings[b]);
        DEPENDENCY_FAILURES.contains(&rules[fa.rule].category.as_str())
            && rules[fb.rule].category == "upstream.server_error"
            && fa.subject.host.is_some()
            && fa.subject.host != fb.subject.host
            && same_scope(fa, fb, share(a, b), same_input(a, b))
            && timely(fa, fb, &facts[b])
    };
    // One diagnosis split by the rule's grouping (415s on two routes, both
    // from one release sending one content type): the earlier finding
    // stands for both.
    let culprit_keys: Vec<Vec<(Dim, &str)>> = findings
        .iter()
        .map(|f| {
            let mut k: Vec<(Dim, &str)> = f
                .culprits
                .iter()
                .filter(|c| !matches!(c.dim, Dim::Route | Dim::Cluster))
                .map(|c| (c.dim, c.value.as_str()))
                .collect();
            k.sort_unstable();
            k
        })
        .collect();
    let same_culprit = |a: usize, b: usize| {
        rules[findings[a].rule].category == rules[findings[b].rule].category
            && order_key(a) < order_key(b)
            && !culprit_keys[a].is_empty()
            && culprit_keys[a] == culprit_keys[b]
    };
    // Proxies report their upstream's failures as 502/504: a burst of those
    // that begins with a burst of origin failures (500s, errors) in another
    // input or on another host is that burst's report, traces or not.
    let proxy_share: Vec<(f64, f64)> = findings
        .iter()
        .map(|f| {
            let fail: Vec<&Event> = f
                .events
                .iter()
                .map(|&i| &events[i])
                .filter(|e| e.is_failure())
                .collect();
            let n = fail.len().max(1) as f64;
            let proxied = fail
                .iter()
                .filter(|e| {
                    matches!(e.status, Some(502 | 504))
                        || (e.upstream().is_some() && e.status.is_some_and(|s| s >= 500))
                })
                .count() as f64;
            let origin = fail
                .iter()
                .filter(|e| !matches!(e.status, Some(502 | 504)) && e.upstream().is_none())
                .count() as f64;
            (proxied / n, origin / n)
        })
        .collect();
    let proxy_edge = |a: usize, b: usize| {
        let (fa, fb) = (&findings[a], &findings[b]);
        let elsewhere = fa.subject.host != fb.subject.host
            || fa.events.first().map(|&i| events[i].source) != fb.events.first().map(|&i| events[i].source);
        // Within a minute: hot windows are clock-aligned, and a window may
        // open on a stray earlier failure.
        let near = |x: Option<i64>, y: Option<i64>| {
            x.zip(y)
                .is_some_and(|(x, y)| x.saturating_sub(y).saturating_abs() <= 60_000_000_000)
        };
        let together = near(onset(fa), onset(fb)) || near(fa.first_ts, fb.first_ts);
        proxy_share[b].0 >= 0.8 && proxy_share[a].1 >= 0.8 && elsewhere && together
    };
    // a → b in the blame graph, and how strongly: trace edges first, then
    // shared evidence, proxy reports, then the rules' `explains` edges.
    let explains = |a: usize, b: usize| -> Option<u64> {
        if edges.deeper(a, b) && timely(&findings[a], &findings[b], &facts[b]) {
            return Some(1_000 + edges.get(a, b));
        }
        // A client's own behaviour (retries, duplicates) sits at the top
        // of every trace and overloads what is below it: the traces'
        // direction does not rule it out as the cause.
        let loads = rules[findings[a].rule].category == CLIENT_LOAD;
        if edges.deeper(b, a) && !loads {
            return None;
        }
        if same_evidence(a, b) {
            return Some(500);
        }
        if same_evidence(b, a) {
            return None;
        }
        if proxy_edge(a, b) {
            return Some(300);
        }
        if dependency_edge(a, b) {
            return Some(2);
        }
        if same_culprit(a, b) {
            return Some(250);
        }
        if same_culprit(b, a) {
            return None;
        }
        if proxy_edge(b, a) {
            return None;
        }
        let (fa, fb) = (&findings[a], &findings[b]);
        if !rule_explains(rules, (fa, &facts[a]), (fb, &facts[b]), share(a, b)) {
            return None;
        }
        // A small finding claims a larger symptom only if they share
        // requests (the same clients and routes) or traces.
        let related = affinity(events, fa, fb);
        if 2 * fa.events.len() < fb.events.len() && related < 0.1 && !share(a, b) {
            return None;
        }
        Some(u64::from(related >= 0.5))
    };
    // Parent of each finding: the strongest finding that explains it,
    // then the earliest, then the best scored.
    let mut parent: Vec<Option<usize>> = vec![None; findings.len()];
    for (b, slot) in parent.iter_mut().enumerate() {
        let mut best: Option<(u64, usize)> = None;
        for a in 0..findings.len() {
            if a == b {
                continue;
            }
            let Some(strength) = explains(a, b) else {
                continue;
            };
            // Two findings that explain each other by rule alone: the one
            // whose bulk came first is the cause (a few strays before a
            // burst do not make it earlier).
            if strength <= 1
                && explains(b, a).is_some_and(|s| s <= 1)
                && (bulk(b), order_key(b)) < (bulk(a), order_key(a))
            {
                continue;
            }
            let better = best.is_none_or(|(s, x)| {
                (strength, std::cmp::Reverse(order_key(a))) > (s, std::cmp::Reverse(order_key(x)))
            });
            if better {
                best = Some((strength, a));
            }
        }
        *slot = best.map(|(_, a)| a);
    }
    // A cycle of explanations (A claims B, B claims C, C claims A) has
    // one root: the member whose bulk came first. Its claim is dropped.
    for start in 0..findings.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut i = start;
        while let Some(p) = parent[i] {
            if let Some(at) = path.iter().position(|&x| x == i) {
                let cycle = &path[at..];
                if let Some(&first) = cycle.iter().min_by_key(|&&x| (bulk(x), order_key(x))) {
                    parent[first] = None;
                }
                break;
            }
            path.push(i);
            i = p;
        }
    }
    // Follow parents to the root.
    let root_of = |start: usize| {
        let mut i = start;
        let mut steps = 0;
        while let Some(p) = parent[i] {
            i = p;
            steps += 1;
            if steps > findings.len() {
                return start;
            }
        }
        i
    };
    let roots_of: Vec<usize> = (0..findings.len()).map(root_of).collect();

    let mut ranked: Vec<(f64, Ranked)> = Vec::new();
    for r in (0..findings.len()).filter(|&i| roots_of[i] == i) {
        let f = &findings[r];
        let rule = &rules[f.rule];
        let mut symptoms: Vec<usize> = (0..findings.len())
            .filter(|&i| i != r && roots_of[i] == r)
            .collect();
        symptoms.sort_by_key(|&s| order_key(s));
        // Siblings of one diagnosis on other routes: the cause is not
        // about one route.
        let mut subject = f.subject.clone();
        let mut culprits = f.culprits.clone();
        if symptoms
            .iter()
            .any(|&s| same_culprit(r, s) && findings[s].subject.endpoint != subject.endpoint)
        {
            subject.endpoint = None;
            if culprits.iter().any(|c| c.dim == Dim::Cluster)
                && !culprits.iter().any(|c| c.dim == Dim::Upstream)
            {
                subject.upstream = None;
            }
            culprits.retain(|c| !matches!(c.dim, Dim::Route | Dim::Cluster));
        }
        let mut all: BTreeSet<usize> = f.events.iter().copied().collect();
        for &s in &symptoms {
            all.extend(findings[s].events.iter().copied());
        }
        let explained = all.iter().filter(is_failure).count();
        let b = &base[r];
        let impact = explained as f64 / total_failures;
        // Symptoms that are other descriptions of the same failures do not
        // make it more of a cause.
        let caused: Vec<usize> = symptoms
            .iter()
            .copied()
            .filter(|&s| !same_evidence(r, s))
            .collect();
        let folded = if caused.is_empty() {
            0.0
        } else {
            let s_events: usize = caused.iter().map(|&s| findings[s].events.len()).sum();
            (s_events as f64 / (s_events + f.events.len()) as f64).max(0.25)
        };
        let (deepest, traced) = edges.depth[r];
        let causal = if traced >= MIN_TRACE_EDGES {
            0.5 * folded + 0.5 * (deepest as f64 / traced as f64)
        } else {
            folded
        };
        let factors = Factors {
            severity: round(b.sev, 3),
            baseline: round(b.baseline, 3),
            impact: round(impact, 3),
            earliness: round(b.early, 3),
            causal: round(causal, 3),
            specificity: round(b.spec, 3),
            weights: WEIGHTS,
        };
        let score = 100.0
            * (WEIGHTS.severity * b.sev
                + WEIGHTS.baseline * b.baseline
                + WEIGHTS.impact * impact
                + WEIGHTS.earliness * b.early
                + WEIGHTS.causal * causal
                + WEIGHTS.specificity * b.spec);
        let confidence = (0.4 * rule.prior + 0.3 * b.spec + 0.3 * b.baseline).clamp(0.0, 1.0);
        let mut chain = vec![rule.title.clone()];
        let symptom_reports: Vec<Symptom> = symptoms
            .iter()
            .map(|&s| {
                let sf = &findings[s];
                let sr = &rules[sf.rule];
                if !chain.contains(&sr.title) {
                    chain.push(sr.title.clone());
                }
                Symptom {
                    category: sr.category.clone(),
                    rule: sr.id.clone(),
                    title: sr.title.clone(),
                    severity: sr.severity.name().to_string(),
                    subject: sf.subject.clone(),
                    first_seen: ts(sf.first_ts),
                    last_seen: ts(sf.last_ts),
                    events: sf.events.len() as u64,
                    evidence: ctx.pick(&sf.events, EVIDENCE_PER_FINDING),
                }
            })
            .collect();
        // The example trace: the one of its events that crosses most hops.
        let example = f
            .events
            .iter()
            .filter(|&&i| events[i].trace_id.is_some() || events[i].request_id().is_some())
            .max_by_key(|&&i| {
                (
                    links.group(i).map_or(0, <[usize]>::len).min(64),
                    blame.deepest.contains(&i),
                    std::cmp::Reverse(i),
                )
            })
            .copied();
        let example_trace = example
            .and_then(|i| events[i].trace_id.as_deref())
            .or_else(|| f.events.iter().find_map(|&i| events[i].trace_id.as_deref()))
            .map(str::to_string);
        let trace_hops = example.map(|i| hops(ctx, links, i)).unwrap_or_default();
        let cause = Cause {
            rank: 0,
            category: rule.category.clone(),
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity.name().to_string(),
            score: round(score, 1),
            confidence: round(confidence, 2),
            factors,
            subject,
            culprit: crate::analyze::culprit::sentence(&culprits),
            culprits,
            first_seen: ts(f.first_ts),
            onset: ts(f.onset_ts),
            last_seen: ts(f.last_ts),
            events: f.events.len() as u64,
            explains_failures: explained as u64,
            why_chain: chain.join(" → "),
            evidence: ctx.pick(&f.events, EVIDENCE_PER_FINDING),
            example_trace,
            trace_hops: if trace_hops.len() > 1 {
                trace_hops
            } else {
                Vec::new()
            },
            deepest_in_traces: deepest,
            sparkline: Vec::new(),
            symptoms: symptom_reports,
            explanation: fill(&rule.explanation, f, rule),
            remediation: rule.remediation.trim().to_string(),
        };
        ranked.push((
            score,
            Ranked {
                cause,
                root: r,
                symptoms,
            },
        ));
    }
    ranked.sort_by(|a, b| {
        b.1.cause
            .score
            .total_cmp(&a.1.cause.score)
            .then_with(|| order_key(a.1.root).cmp(&order_key(b.1.root)))
    });
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (_, mut r))| {
            r.cause.rank = i as u32 + 1;
            r
        })
        .collect()
}
