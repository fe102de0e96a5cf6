//! Comparison: what differs between a baseline capture (yesterday's logs,
//! the customer for whom it works) and an incident capture, ranked.
//! `profile` tallies each side by scope (all requests, each host, each
//! endpoint), `changes` tests every difference worth testing with
//! Fisher's exact test, `rank` corrects for the number of tests, folds
//! symptoms under what explains them and orders the rest, and `gate`
//! decides a `--fail-on` condition. [`compare`] is the recipe.

pub mod changes;
pub mod gate;
pub mod profile;
pub mod rank;
pub mod stats;

use crate::analyze::evidence;
use crate::model::comparison::{
    Change, Comparison, Effect, LowTraffic, ScopeKind, ScopeRow, ScopeStats, Side, COMPARE_SCHEMA_VERSION,
};
use crate::model::report::Time;
use crate::model::{Event, SourceInfo};
use profile::{Profile, Tally};

/// The family-wise error rate of a comparison's tests.
pub const ALPHA: f64 = 0.01;

/// One side's events and inputs.
#[derive(Clone, Copy)]
pub struct Capture<'a> {
    /// Events in timeline order.
    pub events: &'a [Event],
    /// Its inputs.
    pub sources: &'a [SourceInfo],
}

/// Compare an incident capture with a baseline.
pub fn compare(base: Capture<'_>, inc: Capture<'_>) -> Comparison {
    use crate::util::stats::stage;
    let (pb, pi) = stage("compare: profiles", || {
        rayon::join(|| profile::of(base.events), || profile::of(inc.events))
    });
    let (cands, quiet) = stage("compare: tests", || changes::candidates(&pb, &pi, ALPHA));
    let tests = cands.len() as u64;
    let ranked = stage("compare: rank", || rank::rank(cands, ALPHA, &pi));
    let change = |c: &changes::Candidate, q: f64, explains: Vec<Change>| Change {
        kind: c.kind,
        scope: c.scope.clone(),
        what: c.what.clone(),
        baseline: c.baseline.clone(),
        incident: c.incident.clone(),
        effect: Effect {
            value: round(c.effect.0, 2),
            unit: c.effect.1,
        },
        direction: c.direction,
        p_value: c.p,
        p_adjusted: q,
        baseline_evidence: c
            .evidence
            .0
            .map(|i| evidence::plain(base.events, base.sources, i))
            .into_iter()
            .collect(),
        incident_evidence: c
            .evidence
            .1
            .map(|i| evidence::plain(inc.events, inc.sources, i))
            .into_iter()
            .collect(),
        explains,
    };
    let changes = ranked
        .iter()
        .map(|r| {
            let folded = r
                .explains
                .iter()
                .map(|(c, q)| change(c, *q, Vec::new()))
                .collect();
            change(&r.change, r.p_adjusted, folded)
        })
        .collect();
    let low_traffic = quiet
        .into_iter()
        .map(|scope| LowTraffic {
            baseline_requests: pb.scopes.get(&scope).map_or(0, |t| t.requests),
            incident_requests: pi.scopes.get(&scope).map_or(0, |t| t.requests),
            scope,
        })
        .collect();
    Comparison {
        schema_version: COMPARE_SCHEMA_VERSION,
        baseline: side(base, &pb),
        incident: side(inc, &pi),
        alpha: ALPHA,
        tests,
        changes,
        scopes: rows(&pb, &pi),
        low_traffic,
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    let r = (x * f).round() / f;
    if r.is_finite() {
        r
    } else {
        x
    }
}

fn side(c: Capture<'_>, p: &Profile) -> Side {
    let all = p.scopes.get(&profile::all());
    Side {
        inputs: c.sources.iter().map(|s| s.display.clone()).collect(),
        requests: all.map_or(0, |t| t.requests),
        failures: all.map_or(0, |t| t.failures),
        first: p.span.map(|s| Time::from_ns(s.0)),
        last: p.span.map(|s| Time::from_ns(s.1)),
        minutes: round(profile::minutes(p.span), 2),
    }
}

fn stats_of(t: Option<&Tally>, minutes: f64) -> ScopeStats {
    let Some(t) = t else {
        return ScopeStats::default();
    };
    let lat = t.latencies();
    let q = |x| stats::quantile(&lat, x).map(|v| round(v, 1));
    ScopeStats {
        requests: t.requests,
        per_minute: round(t.requests as f64 / minutes, 2),
        failures: t.failures,
        error_rate: round(stats::share(t.failures, t.requests), 6),
        p50_ms: q(0.5),
        p95_ms: q(0.95),
        p99_ms: q(0.99),
    }
}

/// Every scope side by side: all requests, then hosts, then endpoints,
/// busiest first within each.
fn rows(pb: &Profile, pi: &Profile) -> Vec<ScopeRow> {
    let (mb, mi) = (profile::minutes(pb.span), profile::minutes(pi.span));
    let scopes: std::collections::BTreeSet<_> = pb.scopes.keys().chain(pi.scopes.keys()).collect();
    let mut rows: Vec<ScopeRow> = scopes
        .into_iter()
        .map(|s| ScopeRow {
            scope: s.clone(),
            baseline: stats_of(pb.scopes.get(s), mb),
            incident: stats_of(pi.scopes.get(s), mi),
        })
        .collect();
    let order = |k: ScopeKind| match k {
        ScopeKind::All => 0,
        ScopeKind::Host => 1,
        ScopeKind::Endpoint => 2,
    };
    rows.sort_by(|a, b| {
        order(a.scope.kind)
            .cmp(&order(b.scope.kind))
            .then(
                (b.baseline.requests + b.incident.requests).cmp(&(a.baseline.requests + a.incident.requests)),
            )
            .then(a.scope.name.cmp(&b.scope.name))
    });
    rows
}
