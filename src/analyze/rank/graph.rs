//! The blame graph: which finding explains which, and how strongly. Each
//! finding's parent is the strongest finding that explains it (trace
//! edges first, then the same evidence, proxy reports, the same culprit,
//! a dependency's failure, then the rules' `explains`); a cycle keeps the
//! member whose bulk came first as its root.

use std::cmp::Reverse;

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::edges::{affinity, overlap, rule_explains, same_scope, timely, trace_edges, Facts, TraceEdges};
use super::{CLIENT_LOAD, DEPENDENCY_FAILURES, SKEW_TOLERANCE_NS, WEIGHTS};
use crate::analyze::traces::Blame;
use crate::model::{Dim, Event};
use crate::rules::{CompiledRule, Finding};

/// A finding's score factors that do not depend on what folds under it.
pub(super) struct Base {
    pub(super) sev: f64,
    pub(super) baseline: f64,
    pub(super) impact: f64,
    pub(super) early: f64,
    pub(super) spec: f64,
}

/// A finding's onset: its change point, or its first hot window.
pub(super) fn onset(f: &Finding) -> Option<i64> {
    f.onset_ts.or(f.first_ts)
}

/// Everything the graph reads of the findings, worked out once.
pub(super) struct Graph<'a> {
    pub(super) rules: &'a [CompiledRule],
    pub(super) findings: &'a [Finding],
    pub(super) events: &'a [Event],
    /// Failing events in all (at least 1).
    pub(super) total_failures: f64,
    pub(super) edges: TraceEdges,
    pub(super) base: Vec<Base>,
    facts: Vec<Facts>,
    traces: Vec<FxHashSet<&'a str>>,
    /// Each finding's events by index, for overlaps.
    by_index: Vec<Vec<usize>>,
    culprit_keys: Vec<Vec<(Dim, &'a str)>>,
    /// Per finding: the share of its failures a proxy reported (502/504,
    /// or 5xx with an upstream) and the share an origin did.
    proxy_share: Vec<(f64, f64)>,
}

impl<'a> Graph<'a> {
    pub(super) fn new(
        rules: &'a [CompiledRule],
        findings: &'a [Finding],
        events: &'a [Event],
        blame: &Blame,
    ) -> Self {
        // Whether event `i` failed is read off the event: no set of
        // failures is gathered (a pass over every event, serial).
        let total_failures = events.par_iter().filter(|e| e.is_failure()).count().max(1) as f64;
        let start = findings.iter().filter_map(onset).min();
        let end = findings.iter().filter_map(|f| f.last_ts).max();
        let span = match (start, end) {
            (Some(a), Some(b)) => (b.saturating_sub(a) as f64).max(1e9),
            _ => 1e9,
        };
        let failing = |idx: &[usize]| {
            idx.iter()
                .filter(|&&i| events.get(i).is_some_and(Event::is_failure))
                .count() as f64
        };
        let base = findings
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
        Graph {
            rules,
            findings,
            events,
            total_failures,
            edges: trace_edges(findings, blame),
            base,
            facts: findings.iter().map(|f| Facts::of(events, f)).collect(),
            traces: findings
                .iter()
                .map(|f| {
                    f.events
                        .iter()
                        .filter_map(|&i| events[i].trace_id.as_deref())
                        .collect()
                })
                .collect(),
            by_index: findings
                .iter()
                .map(|f| {
                    let mut v = f.events.clone();
                    v.sort_unstable();
                    v
                })
                .collect(),
            culprit_keys: findings.iter().map(culprit_key).collect(),
            proxy_share: findings.iter().map(|f| proxy_share(events, f)).collect(),
        }
    }

    /// The score before anything folds under the finding.
    fn base_score(&self, i: usize) -> f64 {
        let b = &self.base[i];
        WEIGHTS.severity * b.sev
            + WEIGHTS.baseline * b.baseline
            + WEIGHTS.impact * b.impact
            + WEIGHTS.earliness * b.early
            + WEIGHTS.specificity * b.spec
    }

    /// Earliest first, then the best scored, then the first found.
    pub(super) fn order_key(&self, i: usize) -> (i64, Reverse<i64>, usize) {
        (
            onset(&self.findings[i]).unwrap_or(i64::MAX),
            Reverse((self.base_score(i) * 1e9) as i64),
            i,
        )
    }

    fn bulk(&self, i: usize) -> i64 {
        self.facts[i].bulk.unwrap_or(i64::MAX)
    }

    fn same_input(&self, a: usize, b: usize) -> bool {
        self.facts[a].input.is_some() && self.facts[a].input == self.facts[b].input
    }

    fn share(&self, a: usize, b: usize) -> bool {
        self.traces[a].iter().any(|t| self.traces[b].contains(t))
    }

    fn category(&self, i: usize) -> &str {
        &self.rules[self.findings[i].rule].category
    }

    /// The same failures described by two rules (or one rule's
    /// overlapping groups): the higher prior (the more specific diagnosis)
    /// explains the other.
    pub(super) fn same_evidence(&self, a: usize, b: usize) -> bool {
        let (ra, rb) = (
            &self.rules[self.findings[a].rule],
            &self.rules[self.findings[b].rule],
        );
        (ra.prior, Reverse(a)) > (rb.prior, Reverse(b))
            && overlap(&self.by_index[a], &self.by_index[b]) >= 0.8
    }

    /// A dependency that failed (unavailable, timing out, unreachable)
    /// explains the server errors of the service that called it: another
    /// host than the dependency, logged by the same service or input.
    fn dependency_edge(&self, a: usize, b: usize) -> bool {
        let (fa, fb) = (&self.findings[a], &self.findings[b]);
        DEPENDENCY_FAILURES.contains(&self.category(a))
            && self.category(b) == "upstream.server_error"
            && fa.subject.host.is_some()
            && fa.subject.host != fb.subject.host
            && same_scope(fa, fb, self.share(a, b), self.same_input(a, b))
            && timely(fa, fb, &self.facts[b])
    }

    /// One diagnosis split by the rule's grouping (415s on two routes,
    /// both from one release sending one content type): the earlier
    /// finding stands for both.
    pub(super) fn same_culprit(&self, a: usize, b: usize) -> bool {
        self.category(a) == self.category(b)
            && self.order_key(a) < self.order_key(b)
            && !self.culprit_keys[a].is_empty()
            && self.culprit_keys[a] == self.culprit_keys[b]
    }

    /// Proxies report their upstream's failures as 502/504: a burst of
    /// those that begins with a burst of origin failures (500s, errors) in
    /// another input or on another host is that burst's report, traces or
    /// not.
    fn proxy_edge(&self, a: usize, b: usize) -> bool {
        let (fa, fb) = (&self.findings[a], &self.findings[b]);
        let events = self.events;
        let elsewhere = fa.subject.host != fb.subject.host
            || fa.events.first().map(|&i| events[i].source) != fb.events.first().map(|&i| events[i].source);
        // Within a minute: hot windows are clock-aligned, and a window may
        // open on a stray earlier failure.
        let near = |x: Option<i64>, y: Option<i64>| {
            x.zip(y)
                .is_some_and(|(x, y)| x.saturating_sub(y).saturating_abs() <= 60_000_000_000)
        };
        let together = near(onset(fa), onset(fb)) || near(fa.first_ts, fb.first_ts);
        self.proxy_share[b].0 >= 0.8 && self.proxy_share[a].1 >= 0.8 && elsewhere && together
    }

    /// a → b in the blame graph, and how strongly: trace edges first, then
    /// shared evidence, proxy reports, then the rules' `explains` edges.
    fn explains(&self, a: usize, b: usize) -> Option<u64> {
        let (fa, fb) = (&self.findings[a], &self.findings[b]);
        if self.edges.deeper(a, b) && timely(fa, fb, &self.facts[b]) {
            return Some(1_000 + self.edges.get(a, b));
        }
        // A client's own behaviour (retries, duplicates) sits at the top
        // of every trace and overloads what is below it: the traces'
        // direction does not rule it out as the cause.
        if self.edges.deeper(b, a) && self.category(a) != CLIENT_LOAD {
            return None;
        }
        if self.same_evidence(a, b) {
            return Some(500);
        }
        if self.same_evidence(b, a) {
            return None;
        }
        if self.proxy_edge(a, b) {
            return Some(300);
        }
        if self.dependency_edge(a, b) {
            return Some(2);
        }
        if self.same_culprit(a, b) {
            return Some(250);
        }
        if self.same_culprit(b, a) || self.proxy_edge(b, a) {
            return None;
        }
        if !rule_explains(
            self.rules,
            (fa, &self.facts[a]),
            (fb, &self.facts[b]),
            self.share(a, b),
        ) {
            return None;
        }
        // A small finding claims a larger symptom only if they share
        // requests (the same clients and routes) or traces.
        let related = affinity(self.events, fa, fb);
        if 2 * fa.events.len() < fb.events.len() && related < 0.1 && !self.share(a, b) {
            return None;
        }
        Some(u64::from(related >= 0.5))
    }

    /// Parent of each finding: the strongest finding that explains it,
    /// then the earliest, then the best scored.
    fn parents(&self) -> Vec<Option<usize>> {
        let n = self.findings.len();
        let mut parent: Vec<Option<usize>> = vec![None; n];
        for (b, slot) in parent.iter_mut().enumerate() {
            let mut best: Option<(u64, usize)> = None;
            for a in (0..n).filter(|&a| a != b) {
                let Some(strength) = self.explains(a, b) else {
                    continue;
                };
                // Two findings that explain each other by rule alone: the
                // one whose bulk came first is the cause (a few strays
                // before a burst do not make it earlier).
                if strength <= 1
                    && self.explains(b, a).is_some_and(|s| s <= 1)
                    && (self.bulk(b), self.order_key(b)) < (self.bulk(a), self.order_key(a))
                {
                    continue;
                }
                let better = best.is_none_or(|(s, x)| {
                    (strength, Reverse(self.order_key(a))) > (s, Reverse(self.order_key(x)))
                });
                if better {
                    best = Some((strength, a));
                }
            }
            *slot = best.map(|(_, a)| a);
        }
        // A cycle of explanations (A claims B, B claims C, C claims A) has
        // one root: the member whose bulk came first. Its claim is dropped.
        for start in 0..n {
            let mut path: Vec<usize> = Vec::new();
            let mut i = start;
            while let Some(p) = parent[i] {
                if let Some(at) = path.iter().position(|&x| x == i) {
                    if let Some(&first) = path[at..]
                        .iter()
                        .min_by_key(|&&x| (self.bulk(x), self.order_key(x)))
                    {
                        parent[first] = None;
                    }
                    break;
                }
                path.push(i);
                i = p;
            }
        }
        parent
    }

    /// The root each finding folds under (itself, for a root).
    pub(super) fn roots(&self) -> Vec<usize> {
        let parent = self.parents();
        let root_of = |start: usize| {
            let mut i = start;
            let mut steps = 0;
            while let Some(p) = parent[i] {
                i = p;
                steps += 1;
                if steps > parent.len() {
                    return start;
                }
            }
            i
        };
        (0..parent.len()).map(root_of).collect()
    }
}

/// The culprits that name one diagnosis across the rule's groups (not the
/// route or cluster the grouping split it by), sorted.
fn culprit_key(f: &Finding) -> Vec<(Dim, &str)> {
    let mut k: Vec<(Dim, &str)> = f
        .culprits
        .iter()
        .filter(|c| !matches!(c.dim, Dim::Route | Dim::Cluster))
        .map(|c| (c.dim, c.value.as_str()))
        .collect();
    k.sort_unstable();
    k
}

/// Of a finding's failures: the share a proxy reported and the share an
/// origin did.
fn proxy_share(events: &[Event], f: &Finding) -> (f64, f64) {
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
}
