//! One root and its symptoms as the report's cause: its subject and
//! culprits, its score and the factors behind it, the chain of titles,
//! the symptoms folded under it, and an example trace.

use std::collections::BTreeSet;

use super::graph::Graph;
use super::{fill, hops, round, ts, Ranked, EVIDENCE_PER_FINDING, MIN_TRACE_EDGES, WEIGHTS};
use crate::analyze::correlate::Links;
use crate::analyze::evidence::Ctx;
use crate::analyze::traces::Blame;
use crate::model::report::{Cause, Factors, Hop, Subject, Symptom};
use crate::model::{Attribute, Dim};

/// The cause of root `r` with `symptoms` (in onset order) folded under it.
pub(super) fn of(
    g: &Graph<'_>,
    ctx: &Ctx<'_>,
    links: &Links,
    blame: &Blame,
    r: usize,
    symptoms: Vec<usize>,
) -> Ranked {
    let f = &g.findings[r];
    let rule = &g.rules[f.rule];
    let (subject, culprits) = subject_and_culprits(g, r, &symptoms);
    let mut all: BTreeSet<usize> = f.events.iter().copied().collect();
    for &s in &symptoms {
        all.extend(g.findings[s].events.iter().copied());
    }
    let explained = all
        .iter()
        .filter(|&&i| g.events.get(i).is_some_and(|e| e.is_failure()))
        .count();
    let (score, factors) = score(g, r, &symptoms, explained);
    let b = &g.base[r];
    let confidence = (0.4 * rule.prior + 0.3 * b.spec + 0.3 * b.baseline).clamp(0.0, 1.0);
    let mut chain = vec![rule.title.clone()];
    let symptom_reports: Vec<Symptom> = symptoms
        .iter()
        .map(|&s| {
            let sf = &g.findings[s];
            let sr = &g.rules[sf.rule];
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
    let (example_trace, trace_hops) = example(g, ctx, links, blame, r);
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
        trace_hops,
        deepest_in_traces: g.edges.depth[r].0,
        sparkline: Vec::new(),
        symptoms: symptom_reports,
        explanation: fill(&rule.explanation, f, rule),
        remediation: rule.remediation.trim().to_string(),
    };
    Ranked {
        cause,
        root: r,
        symptoms,
    }
}

/// The root's subject and culprits. Siblings of one diagnosis on other
/// routes: the cause is not about one route.
fn subject_and_culprits(g: &Graph<'_>, r: usize, symptoms: &[usize]) -> (Subject, Vec<Attribute>) {
    let f = &g.findings[r];
    let mut subject = f.subject.clone();
    let mut culprits = f.culprits.clone();
    if symptoms
        .iter()
        .any(|&s| g.same_culprit(r, s) && g.findings[s].subject.endpoint != subject.endpoint)
    {
        subject.endpoint = None;
        if culprits.iter().any(|c| c.dim == Dim::Cluster) && !culprits.iter().any(|c| c.dim == Dim::Upstream)
        {
            subject.upstream = None;
        }
        culprits.retain(|c| !matches!(c.dim, Dim::Route | Dim::Cluster));
    }
    (subject, culprits)
}

/// The root's score (0-100) and its factors, given the failures it and
/// its symptoms explain.
fn score(g: &Graph<'_>, r: usize, symptoms: &[usize], explained: usize) -> (f64, Factors) {
    let f = &g.findings[r];
    let b = &g.base[r];
    let impact = explained as f64 / g.total_failures;
    // Symptoms that are other descriptions of the same failures do not
    // make it more of a cause.
    let caused: Vec<usize> = symptoms
        .iter()
        .copied()
        .filter(|&s| !g.same_evidence(r, s))
        .collect();
    let folded = if caused.is_empty() {
        0.0
    } else {
        let s_events: usize = caused.iter().map(|&s| g.findings[s].events.len()).sum();
        (s_events as f64 / (s_events + f.events.len()) as f64).max(0.25)
    };
    let (deepest, traced) = g.edges.depth[r];
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
    (score, factors)
}

/// The example trace: the one of the root's events that crosses most
/// hops, and its hops when there are several.
fn example(
    g: &Graph<'_>,
    ctx: &Ctx<'_>,
    links: &Links,
    blame: &Blame,
    r: usize,
) -> (Option<String>, Vec<Hop>) {
    let (f, events) = (&g.findings[r], g.events);
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
    (
        example_trace,
        if trace_hops.len() > 1 {
            trace_hops
        } else {
            Vec::new()
        },
    )
}
