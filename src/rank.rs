//! From findings to ranked root causes. Each finding is scored on severity
//! and prior, impact, earliness and specificity; findings that a stronger,
//! earlier finding `explains` (by its rule's `explains` edges, on the same
//! host) are folded under it as symptoms. Roots are then ranked by score,
//! with ties broken by onset and rule id so the order is deterministic.
//! The timeline is built from the same material.

use std::collections::BTreeSet;

use crate::model::{Event, SourceInfo};
use crate::normalize::time::format_ns;
use crate::report::{Cause, Evidence, Factors, Symptom, TimelineEntry};
use crate::rules::{CompiledRule, Finding};

/// Onsets this close are treated as simultaneous (clock skew between sources).
const SKEW_TOLERANCE_NS: i64 = 5_000_000_000;
/// A symptom must begin no later than this after its cause ends.
const FOLLOW_WINDOW_NS: i64 = 15 * 60 * 1_000_000_000;
/// Evidence records listed per cause or symptom.
const EVIDENCE_PER_FINDING: usize = 5;

fn round(v: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (v * m).round() / m
}

/// Key records of a finding: the first record from each input that
/// contributed (so a claim links to every source that saw it), then the
/// earliest others, in time order.
fn evidence(events: &[Event], sources: &[SourceInfo], idx: &[usize]) -> Vec<Evidence> {
    let mut chosen: Vec<usize> = Vec::new();
    for &i in idx {
        if chosen.len() < EVIDENCE_PER_FINDING
            && !chosen.iter().any(|&c| events[c].source == events[i].source)
        {
            chosen.push(i);
        }
    }
    for &i in idx {
        if chosen.len() >= EVIDENCE_PER_FINDING {
            break;
        }
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_by_key(|&i| (events[i].ts_ns, i));
    chosen
        .into_iter()
        .map(|i| evidence_of(events, sources, i))
        .collect()
}

/// The first event of each input among `idx` (which is in time order).
fn first_per_source(events: &[Event], idx: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for &i in idx {
        if !out.iter().any(|&o| events[o].source == events[i].source) {
            out.push(i);
        }
    }
    out
}

/// The evidence pointer of event `i`: input path, locator, offset, trace id.
pub fn evidence_of(events: &[Event], sources: &[SourceInfo], i: usize) -> Evidence {
    let e = &events[i];
    Evidence {
        path: sources
            .get(e.source.0 as usize)
            .map_or_else(String::new, |s| s.display.clone()),
        locator: e.locator.map_or_else(String::new, |l| l.to_string()),
        offset: e.offset,
        trace_id: e.trace_id.as_deref().map(str::to_string),
    }
}

fn ts(v: Option<i64>) -> Option<String> {
    v.map(format_ns)
}

/// Whether finding `a` can explain finding `b`.
/// Whether finding `a` can explain finding `b`: its rule names `b`'s
/// category, it began no later than `b` (within clock-skew tolerance), and
/// they concern the same host, or requests of one trace crossed both (a
/// gateway's 502s and the backend's 500s for the same traces).
fn explains(rules: &[CompiledRule], a: &Finding, b: &Finding, share_traces: bool) -> bool {
    let (ra, rb) = (&rules[a.rule], &rules[b.rule]);
    if ra.category == rb.category || !ra.explains.contains(&rb.category) {
        return false;
    }
    let same_scope = share_traces
        || match (&a.subject.host, &b.subject.host) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
    let timely = match (a.first_ts, a.last_ts, b.first_ts) {
        (Some(af), Some(al), Some(bf)) => af <= bf + SKEW_TOLERANCE_NS && bf <= al + FOLLOW_WINDOW_NS,
        _ => true,
    };
    same_scope && timely
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

/// Rank findings into root causes with folded symptoms, plus the timeline.
pub fn rank(
    rules: &[CompiledRule],
    findings: &[Finding],
    events: &[Event],
    sources: &[SourceInfo],
) -> (Vec<Cause>, Vec<TimelineEntry>) {
    let failures: BTreeSet<usize> = (0..events.len()).filter(|&i| events[i].is_failure()).collect();
    let total_failures = failures.len().max(1) as f64;
    let start = findings.iter().filter_map(|f| f.first_ts).min();
    let end = findings.iter().filter_map(|f| f.last_ts).max();
    let span = match (start, end) {
        (Some(a), Some(b)) => ((b - a) as f64).max(1e9),
        _ => 1e9,
    };

    let failing = |idx: &[usize]| idx.iter().filter(|i| failures.contains(i)).count() as f64;
    let base: Vec<(f64, f64, f64, f64)> = findings
        .iter()
        .map(|f| {
            let r = &rules[f.rule];
            let sev = r.severity.weight() * r.prior;
            let impact = failing(&f.events) / total_failures;
            let earliness = match (f.first_ts, start) {
                (Some(t), Some(s)) => 1.0 - (t - s) as f64 / span,
                _ => 0.5,
            };
            let specificity = (f.events.len() as f64 / f.group_events.max(1) as f64).min(1.0);
            (sev, impact, earliness, specificity)
        })
        .collect();
    let base_score = |i: usize| {
        let (sev, impact, early, spec) = base[i];
        0.30 * sev + 0.30 * impact + 0.25 * early + 0.05 * spec
    };

    // Parent of each finding: the best finding that explains it, preferring
    // earlier onsets, then higher base scores.
    let order_key = |i: usize| {
        (
            findings[i].first_ts.unwrap_or(i64::MAX),
            std::cmp::Reverse((base_score(i) * 1e9) as i64),
            i,
        )
    };
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
    let mut parent: Vec<Option<usize>> = vec![None; findings.len()];
    for b in 0..findings.len() {
        let mut best: Option<usize> = None;
        for a in 0..findings.len() {
            if a == b || !explains(rules, &findings[a], &findings[b], share(a, b)) {
                continue;
            }
            // Two findings that explain each other: the earlier one is the cause.
            if explains(rules, &findings[b], &findings[a], share(a, b)) && order_key(b) < order_key(a) {
                continue;
            }
            if best.is_none_or(|x| order_key(a) < order_key(x)) {
                best = Some(a);
            }
        }
        parent[b] = best;
    }
    // Follow parents to the root; a member of a cycle (possible with user
    // rules) is its own root.
    let root_of = |start: usize| {
        let mut seen = BTreeSet::new();
        let mut i = start;
        while let Some(p) = parent[i] {
            if !seen.insert(i) {
                return start;
            }
            i = p;
        }
        i
    };
    let roots_of: Vec<usize> = (0..findings.len()).map(root_of).collect();
    let is_root = |i: usize| roots_of[i] == i;

    let mut causes: Vec<(f64, usize, Cause)> = Vec::new();
    let mut timeline: Vec<(i64, u8, TimelineEntry)> = Vec::new();
    for r in (0..findings.len()).filter(|&i| is_root(i)) {
        let f = &findings[r];
        let rule = &rules[f.rule];
        let symptoms: Vec<usize> = (0..findings.len())
            .filter(|&i| i != r && roots_of[i] == r)
            .collect();
        let mut all: BTreeSet<usize> = f.events.iter().copied().collect();
        for &s in &symptoms {
            all.extend(findings[s].events.iter().copied());
        }
        let explained = all.iter().filter(|i| failures.contains(i)).count();
        let (sev, _, early, spec) = base[r];
        let impact = explained as f64 / total_failures;
        let causal = if symptoms.is_empty() {
            0.0
        } else {
            let s_events: usize = symptoms.iter().map(|&s| findings[s].events.len()).sum();
            (s_events as f64 / (s_events + f.events.len()) as f64).max(0.25)
        };
        let score = 100.0 * (0.30 * sev + 0.30 * impact + 0.25 * early + 0.10 * causal + 0.05 * spec);
        let confidence = (0.6 * rule.prior + 0.4 * spec).clamp(0.0, 1.0);
        let mut chain = vec![rule.title.clone()];
        let mut symptom_reports = Vec::new();
        let mut sorted_symptoms = symptoms.clone();
        sorted_symptoms.sort_by_key(|&s| order_key(s));
        for &s in &sorted_symptoms {
            let sf = &findings[s];
            let sr = &rules[sf.rule];
            if !chain.contains(&sr.title) {
                chain.push(sr.title.clone());
            }
            symptom_reports.push(Symptom {
                category: sr.category.clone(),
                rule: sr.id.clone(),
                title: sr.title.clone(),
                severity: sr.severity.name().to_string(),
                subject: sf.subject.clone(),
                first_seen: ts(sf.first_ts),
                last_seen: ts(sf.last_ts),
                events: sf.events.len() as u64,
                evidence: evidence(events, sources, &sf.events),
            });
            if let Some(t) = sf.first_ts {
                timeline.push((
                    t,
                    2,
                    TimelineEntry {
                        ts: format_ns(t),
                        kind: "symptom".into(),
                        text: format!(
                            "{} begins on {} (caused by: {})",
                            sr.title,
                            sf.subject.describe(),
                            rule.title
                        ),
                        evidence: sf.events.first().map(|&i| evidence_of(events, sources, i)),
                    },
                ));
            }
        }
        // Where several inputs saw the failure, say when each first did.
        let mut merged: Vec<usize> = all.iter().copied().collect();
        merged.sort_by_key(|&i| (events[i].ts_ns, i));
        let firsts = first_per_source(events, &merged);
        if firsts.len() > 1 {
            for &i in &firsts {
                if let Some(t) = events[i].ts_ns {
                    let ev = evidence_of(events, sources, i);
                    timeline.push((
                        t,
                        2,
                        TimelineEntry {
                            ts: format_ns(t),
                            kind: "seen_in".into(),
                            text: format!("{}: first seen in {} ({})", rule.title, ev.path, ev.locator),
                            evidence: Some(ev),
                        },
                    ));
                }
            }
        }
        if let Some(t) = f.first_ts {
            timeline.push((
                t,
                1,
                TimelineEntry {
                    ts: format_ns(t),
                    kind: "onset".into(),
                    text: format!("{} begins on {}", rule.title, f.subject.describe()),
                    evidence: f.events.first().map(|&i| evidence_of(events, sources, i)),
                },
            ));
        }
        if let (Some(t), Some(first)) = (f.last_ts, f.first_ts) {
            if t > first {
                timeline.push((
                    t,
                    3,
                    TimelineEntry {
                        ts: format_ns(t),
                        kind: "last_seen".into(),
                        text: format!("{} — last seen on {}", rule.title, f.subject.describe()),
                        evidence: f.events.last().map(|&i| evidence_of(events, sources, i)),
                    },
                ));
            }
        }
        let example_trace = f
            .events
            .iter()
            .find_map(|&i| events[i].trace_id.as_deref())
            .map(str::to_string);
        causes.push((
            score,
            r,
            Cause {
                rank: 0,
                category: rule.category.clone(),
                rule: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity.name().to_string(),
                score: round(score, 1),
                confidence: round(confidence, 2),
                factors: Factors {
                    severity: round(sev, 3),
                    impact: round(impact, 3),
                    earliness: round(early, 3),
                    causal: round(causal, 3),
                    specificity: round(spec, 3),
                },
                subject: f.subject.clone(),
                first_seen: ts(f.first_ts),
                onset: ts(f.onset_ts),
                last_seen: ts(f.last_ts),
                events: f.events.len() as u64,
                explains_failures: explained as u64,
                why_chain: chain.join(" → "),
                evidence: evidence(events, sources, &f.events),
                example_trace,
                symptoms: symptom_reports,
                explanation: fill(&rule.explanation, f, rule),
                remediation: rule.remediation.trim().to_string(),
            },
        ));
    }
    causes.sort_by(|a, b| {
        b.2.score
            .total_cmp(&a.2.score)
            .then_with(|| order_key(a.1).cmp(&order_key(b.1)))
    });
    let causes: Vec<Cause> = causes
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, mut c))| {
            c.rank = i as u32 + 1;
            c
        })
        .collect();

    // First and last failure overall.
    let mut by_time: Vec<usize> = failures
        .iter()
        .copied()
        .filter(|&i| events[i].ts_ns.is_some())
        .collect();
    by_time.sort_by_key(|&i| (events[i].ts_ns, i));
    if let (Some(&first), Some(&last)) = (by_time.first(), by_time.last()) {
        let describe = |i: usize| {
            let e = &events[i];
            let what = match (e.status, e.error_class) {
                (Some(s), _) => format!("HTTP {s}"),
                (None, Some(c)) => c.name().to_string(),
                _ => "failure".into(),
            };
            let target = match (e.method.as_deref(), e.host.as_deref(), e.route.as_deref()) {
                (m, Some(h), Some(r)) => {
                    format!(" on {}{h}{r}", m.map(|m| format!("{m} ")).unwrap_or_default())
                }
                (_, None, Some(r)) => format!(" on {r}"),
                _ => String::new(),
            };
            format!("{what}{target}")
        };
        let t0 = events[first].ts_ns.unwrap_or_default();
        timeline.push((
            t0,
            0,
            TimelineEntry {
                ts: format_ns(t0),
                kind: "first_failure".into(),
                text: format!("first failure: {}", describe(first)),
                evidence: Some(evidence_of(events, sources, first)),
            },
        ));
        let t1 = events[last].ts_ns.unwrap_or_default();
        if last != first {
            timeline.push((
                t1,
                4,
                TimelineEntry {
                    ts: format_ns(t1),
                    kind: "last_failure".into(),
                    text: format!("last failure: {}", describe(last)),
                    evidence: Some(evidence_of(events, sources, last)),
                },
            ));
        }
    }
    timeline.sort_by(|a, b| (a.0, a.1, &a.2.text).cmp(&(b.0, b.1, &b.2.text)));
    (causes, timeline.into_iter().map(|(_, _, e)| e).collect())
}
