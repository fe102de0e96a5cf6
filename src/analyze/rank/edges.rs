//! What the blame graph weighs for a pair of findings: trace edges (how
//! many failing traces put one finding's failure below the other's), each
//! finding's facts (when its bulk began, its one input), whether one can
//! have caused the other in time and in scope, and how much their
//! requests and events overlap.

use rustc_hash::FxHashMap;

use super::{FOLLOW_WINDOW_NS, MIN_TRACE_EDGES, ONSET_WINDOW_NS, SKEW_TOLERANCE_NS};
use crate::analyze::traces::Blame;
use crate::model::{Event, OptionStr};
use crate::rules::{CompiledRule, Finding};

/// Trace edges between findings: how many failing traces put a finding's
/// event deeper than another finding's event.
pub(super) struct TraceEdges {
    count: FxHashMap<(usize, usize), u64>,
    /// Per finding: (events that are a trace's deepest failure, traced failing events).
    pub(super) depth: Vec<(u64, u64)>,
}

pub(super) fn trace_edges(findings: &[Finding], blame: &Blame) -> TraceEdges {
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
    pub(super) fn get(&self, a: usize, b: usize) -> u64 {
        self.count.get(&(a, b)).copied().unwrap_or(0)
    }

    /// Whether the traces put `a`'s failures below `b`'s, clearly.
    pub(super) fn deeper(&self, a: usize, b: usize) -> bool {
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
pub(super) struct Facts {
    /// When its bulk began: its onset, or the time of the event at
    /// `BULK_SHARE` of them (they are in time order) when that comes more
    /// than `STRAY_GAP_NS` later. A few strays before a burst (a herring
    /// that happens to share the burst's error text) move its onset but
    /// not this.
    pub(super) bulk: Option<i64>,
    /// The one input all its events came from, if there is one.
    pub(super) input: Option<crate::model::SourceId>,
}

impl Facts {
    pub(super) fn of(events: &[Event], f: &Finding) -> Facts {
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
pub(super) fn timely(a: &Finding, b: &Finding, b_facts: &Facts) -> bool {
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
pub(super) fn rule_explains(
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
pub(super) fn same_scope(a: &Finding, b: &Finding, share_traces: bool, same_input: bool) -> bool {
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
pub(super) fn affinity(events: &[Event], a: &Finding, b: &Finding) -> f64 {
    if b.events.is_empty() {
        return 0.0;
    }
    let mut by_route: FxHashMap<&str, Vec<Option<&str>>> = FxHashMap::default();
    for &i in &a.events {
        let e = &events[i];
        let clients = by_route.entry(e.route().as_str().unwrap_or("")).or_default();
        let c = e.client.as_str();
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
                    .any(|c| c.is_none() || e.client.is_none() || *c == e.client.as_str())
            })
        })
        .count();
    hits as f64 / b.events.len() as f64
}

/// Share of `b`'s events that are also `a`'s; both sorted by index.
pub(super) fn overlap(a: &[usize], b: &[usize]) -> f64 {
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
