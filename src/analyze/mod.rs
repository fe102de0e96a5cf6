//! Analysis: from parsed events to ranked causes. [`run`] is the stage's
//! recipe. `order` puts every input on one clock and in time order
//! (`correlate` joins the inputs and estimates their clocks), `traces` builds trace trees, the rule
//! engine (`crate::rules`) turns events into findings, `culprit` names what
//! each finding's failures share, `fallback` covers failures no rule
//! explains, `rank` orders causes above their symptoms, and `timeline`,
//! `series`, `spike` and `evidence` tell the story with links to records.

pub mod baseline;
pub mod compare;
pub mod correlate;
pub mod culprit;
pub mod evidence;
pub mod fallback;
pub mod order;
pub mod rank;
pub mod series;
pub mod spike;
pub mod timeline;
pub mod traces;

use crate::model::report::{Affected, Cause, FailedRequest, Series, Spike, TimelineEntry};
use crate::rules::{self, CompiledRule, Finding};
use crate::util::stats::stage;
use correlate::Links;
use order::Ordered;

/// Failed requests listed in the report (the HTML table); all are counted.
const FAILED_REQUESTS_LISTED: usize = 2_000;

/// The analysis: what it built along the way and what it found.
#[derive(Debug)]
pub struct Analyzed {
    /// Records of one request or trace.
    pub links: Links,
    /// Every rule's findings.
    pub findings: Vec<Finding>,
    /// What goes into the report.
    pub found: Found,
}

/// What the analysis found, ready for the report.
#[derive(Debug)]
pub struct Found {
    /// Counts of events, failures and traces, and the time range.
    pub summary: series::Summary,
    /// Requests whose records in different inputs were joined.
    pub joined_requests: u64,
    /// Causes, best first, each with its symptoms folded under it.
    pub root_causes: Vec<Cause>,
    /// The incident's story.
    pub timeline: Vec<TimelineEntry>,
    /// What the top cause's failures have in common.
    pub spike: Option<Spike>,
    /// Requests and failures over time.
    pub series: Series,
    /// The endpoints and clients hit.
    pub affected: Affected,
    /// The failed requests listed.
    pub failed_requests: Vec<FailedRequest>,
}

/// Run the rules over the ordered events and rank what they find.
pub fn run(rules: &[CompiledRule], o: &Ordered) -> Analyzed {
    run_against(rules, o, None)
}

/// [`run`], with a good capture to judge each finding against
/// ([`baseline::sharpen`]).
pub fn run_against(rules: &[CompiledRule], o: &Ordered, good: Option<baseline::Baseline<'_>>) -> Analyzed {
    let (events, sources, extent) = (&o.events[..], &o.sources[..], o.extent);
    // The links, the tallies and the rules read the same events; built
    // side by side (the rules do not read the links).
    let ((links, ((summary, baseline), blame)), mut findings) = rayon::join(
        || {
            let links = stage("links", || Links::from_keys(events, &o.keys));
            let rest = rayon::join(
                || {
                    rayon::join(
                        || stage("summary", || series::summary(events, &o.keys, extent)),
                        || stage("culprit baseline", || culprit::Baseline::of(events)),
                    )
                },
                || stage("trace blame", || traces::blame(events, sources, &links)),
            );
            (links, rest)
        },
        || stage("rules", || rules::evaluate_within(rules, events, sources, extent)),
    );
    if let Some(good) = good {
        stage("baseline capture", || baseline::sharpen(&mut findings, good));
    }
    stage("culprits", || {
        culprit::attribute(rules, &mut findings, events, &baseline)
    });
    let ctx = evidence::Ctx {
        events,
        sources,
        links: Some(&links),
    };
    let ranked = stage("rank", || rank::rank(rules, &findings, &ctx, &links, &blame));
    let templates: Vec<(String, u64)> = o.miner.templates.iter().map(|t| (t.text(), t.count)).collect();
    // The story and the tallies read the same events independently.
    let ((timeline, spike), ((series, affected), failed_requests)) = stage("story+tallies", || {
        rayon::join(
            || {
                rayon::join(
                    || {
                        stage("timeline", || {
                            timeline::build(rules, &findings, &ranked, ctx, &templates, &o.occurrences)
                        })
                    },
                    || {
                        stage("spike", || {
                            spike::of_top(&ranked, &findings, events, &templates, extent.sorted)
                        })
                    },
                )
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || stage("series", || series::build(events, extent)),
                            || stage("affected", || series::affected(events)),
                        )
                    },
                    || {
                        stage("failed requests", || {
                            series::failed_requests(events, sources, FAILED_REQUESTS_LISTED)
                        })
                    },
                )
            },
        )
    });
    let mut root_causes: Vec<Cause> = ranked
        .into_iter()
        .map(|r| {
            let mut idx = findings[r.root].events.clone();
            for &s in &r.symptoms {
                idx.extend(findings[s].events.iter().copied());
            }
            idx.sort_unstable();
            idx.dedup();
            let mut c = r.cause;
            c.sparkline = series::counts(events, &idx, &series);
            c
        })
        .collect();
    if root_causes.is_empty() {
        // Failures that stand out never end with no answer at all.
        if let Some((mut c, idx)) = fallback::unexplained(&ctx) {
            c.sparkline = series::counts(events, &idx, &series);
            root_causes.push(c);
        }
    }
    let found = Found {
        summary,
        joined_requests: links.joined(events) as u64,
        root_causes,
        timeline,
        spike,
        series,
        affected,
        failed_requests,
    };
    Analyzed {
        links,
        findings,
        found,
    }
}
