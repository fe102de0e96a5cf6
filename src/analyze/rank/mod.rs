//! From findings to ranked root causes. Each finding (rule × group ×
//! interval) is a candidate. A blame graph joins them: an edge a → b when
//! a's rule `explains` b's category on the same scope and a began first,
//! or when failing traces show a's events as the deeper failing hop under
//! b's. Findings with a parent fold under their root as symptoms. Roots
//! are scored on severity and prior, confidence against the baseline,
//! impact, earliness (clock-skew tolerant), causal position and
//! specificity; every factor and weight is in the report. Ties break on
//! onset and rule id, so the order is deterministic.

mod cause;
mod edges;
mod graph;

use crate::model::report::{Time, TimeText};
use graph::Graph;

use crate::analyze::correlate::Links;
use crate::analyze::evidence::Ctx;
use crate::analyze::traces::Blame;
use crate::model::report::{Cause, Hop, Weights};
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

fn ts(v: Option<i64>) -> Option<Time> {
    v.map(Time::from_ns)
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
            ts(f.first_ts).text().as_deref().unwrap_or("an unknown time"),
        )
        .replace(
            "{last_seen}",
            ts(f.last_ts).text().as_deref().unwrap_or("an unknown time"),
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
    let g = Graph::new(rules, findings, ctx.events, blame);
    let roots_of = g.roots();
    let mut ranked: Vec<Ranked> = (0..findings.len())
        .filter(|&i| roots_of[i] == i)
        .map(|r| {
            let mut symptoms: Vec<usize> = (0..findings.len())
                .filter(|&i| i != r && roots_of[i] == r)
                .collect();
            symptoms.sort_by_key(|&s| g.order_key(s));
            cause::of(&g, ctx, links, blame, r, symptoms)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.cause
            .score
            .total_cmp(&a.cause.score)
            .then_with(|| g.order_key(a.root).cmp(&g.order_key(b.root)))
    });
    for (i, r) in ranked.iter_mut().enumerate() {
        r.cause.rank = i as u32 + 1;
    }
    ranked
}
