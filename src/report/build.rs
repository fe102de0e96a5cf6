//! The report build: the analysis turned into the report model that every
//! renderer reads. Besides copying what the stages found, it writes the
//! data-quality notes (what the inputs lacked, so what could not be
//! checked) and picks the most frequent error templates.

use crate::model::report::Time;
use rayon::prelude::*;

use crate::analyze::order::Ordered;
use crate::analyze::Found;
use crate::model::report::{ErrorTemplate, InputReport, Issue, Report, Summary, SCHEMA_VERSION};
use crate::model::{Event, SourceInfo};
use crate::normalize::template::{Miner, Occurrence};

/// The report of an analysis. `tz_offset_s` is the zone zone-less times
/// were read in, which a note names.
pub fn build(o: &Ordered, found: Found, tz_offset_s: i32) -> Report {
    let Found {
        summary: sums,
        joined_requests,
        root_causes,
        timeline,
        spike,
        series,
        affected,
        failed_requests,
    } = found;
    let mut correlation = o.correlation.clone();
    correlation.joined_requests = joined_requests;
    let mut notes = data_quality_notes(&o.events, &o.sources, tz_offset_s, correlation.joined_requests);
    notes.extend(correlation.clocks.iter().map(|c| c.text.clone()));
    Report {
        schema_version: SCHEMA_VERSION,
        generator: format!("logsleuth {}", env!("CARGO_PKG_VERSION")),
        inputs: o.sources.iter().map(input_report).collect(),
        summary: Summary {
            events: sums.events,
            failures: sums.failures,
            first_ts: sums.first_ts.map(Time::from_ns),
            last_ts: sums.last_ts.map(Time::from_ns),
            traces: sums.traces,
        },
        root_causes,
        correlation,
        spike,
        series,
        affected,
        failed_requests,
        failed_requests_total: sums.failures,
        timeline,
        error_templates: top_templates(&o.miner, &o.occurrences, &o.events, &o.sources),
        notes,
        comparison: None,
    }
}

/// What the report says of one input.
fn input_report(s: &SourceInfo) -> InputReport {
    InputReport {
        path: s.display.clone(),
        format: s.format.name.to_string(),
        dialect: s.dialect.clone(),
        bytes: s.bytes,
        records: s.stats.records,
        events: s.stats.events,
        skipped: s.stats.skipped,
        filtered: s.stats.filtered,
        issues: s
            .stats
            .issues
            .iter()
            .map(|i| Issue {
                locator: i.locator.to_string(),
                offset: i.offset,
                reason: i.reason.clone(),
            })
            .collect(),
        notes: s.stats.notes.clone(),
    }
}

/// The most frequent error templates, with when they were first and last
/// seen and the first record of each.
fn top_templates(
    miner: &Miner,
    occurrences: &[Option<Occurrence>],
    events: &[Event],
    sources: &[SourceInfo],
) -> Vec<ErrorTemplate> {
    let mut order: Vec<usize> = (0..miner.templates.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(miner.templates[i].count), i));
    order
        .into_iter()
        .take(10)
        .filter_map(|i| {
            let o = occurrences.get(i).copied().flatten()?;
            let f = o.first;
            Some(ErrorTemplate {
                template: crate::redact::text(&miner.templates[i].text()).into_owned(),
                count: miner.templates[i].count,
                first_seen: events[f].ts_ns().map(Time::from_ns),
                last_seen: o.last_ts.map(Time::from_ns),
                evidence: crate::analyze::evidence::plain(events, sources, f),
            })
        })
        .collect()
}

fn zone_name(offset_s: i32) -> String {
    if offset_s == 0 {
        return "UTC".into();
    }
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

fn data_quality_notes(
    events: &[Event],
    sources: &[SourceInfo],
    tz_offset_s: i32,
    joined: u64,
) -> Vec<String> {
    // One parallel pass for every count and every "does any event have it".
    #[derive(Default)]
    struct Seen {
        tz: usize,
        guessed: usize,
        no_ts: usize,
        durations: bool,
        ids: bool,
        bodies: bool,
        versions: bool,
    }
    let seen = events
        .par_iter()
        .fold(Seen::default, |mut n, e| {
            n.tz += usize::from(e.ts_tz_assumed());
            n.guessed += usize::from(e.duration_unit_guessed());
            n.no_ts += usize::from(e.ts_ns().is_none());
            n.durations |= e.duration_ms().is_some();
            n.ids |= e.trace_id.is_some() || e.request_id().is_some();
            n.bodies |= e.body_fields().is_some();
            n.versions |= e.service_version().is_some();
            n
        })
        .reduce(Seen::default, |a, b| Seen {
            tz: a.tz + b.tz,
            guessed: a.guessed + b.guessed,
            no_ts: a.no_ts + b.no_ts,
            durations: a.durations || b.durations,
            ids: a.ids || b.ids,
            bodies: a.bodies || b.bodies,
            versions: a.versions || b.versions,
        });
    let mut notes = Vec::new();
    let tz = seen.tz;
    if tz > 0 {
        notes.push(format!(
            "{tz} events had timestamps without a time zone; they were read as {} (set with --tz).",
            zone_name(tz_offset_s)
        ));
    }
    let guessed = seen.guessed;
    if guessed > 0 {
        notes.push(format!(
            "{guessed} events had a `duration` field whose unit was inferred \
             (an integer was read as milliseconds, a fraction as seconds); use --map duration_ms=PATH if that is wrong."
        ));
    }
    let no_ts = seen.no_ts;
    if no_ts > 0 {
        notes.push(format!(
            "{no_ts} events had no usable timestamp; they are counted but not placed on the timeline."
        ));
    }
    // Rules that had nothing to work with.
    if !events.is_empty() {
        if !seen.durations {
            notes.push(
                "No input has request durations, so latency percentiles and slow-request analysis were not possible."
                    .into(),
            );
        }
        if !seen.ids {
            notes.push(
                "No input has trace or request ids, so requests could not be followed across services or inputs; \
                 causes were related by time, host and HTTP semantics only."
                    .into(),
            );
        } else if sources.len() > 1 && joined == 0 {
            notes.push(
                "The inputs share no trace or request ids, so their clocks could not be compared; times are as logged."
                    .into(),
            );
        }
        if !seen.bodies {
            notes.push(
                "No JSON response bodies were captured, so response-shape drift could not be checked.".into(),
            );
        }
        if !seen.versions {
            notes.push("No service versions were logged, so failures could not be tied to a deploy.".into());
        }
    }
    for s in sources.iter().filter(|s| s.format.client_view) {
        if s.stats.credentialed > 0 || s.stats.events == 0 {
            continue;
        }
        let unauth = events
            .iter()
            .filter(|e| e.source == s.id && matches!(e.status, Some(401 | 403)))
            .count();
        let seen = if unauth > 0 {
            format!(" ({unauth} responses were 401 or 403; only WWW-Authenticate challenges could be read)")
        } else {
            String::new()
        };
        notes.push(format!(
            "{}: no entry carries an Authorization, Cookie or Set-Cookie header: it was probably \
             exported sanitized, so the auth rules (token expiry, clock skew, invalid credentials) \
             could not see the evidence they need{seen}. A HAR exported with sensitive data, then \
             passed through `logsleuth sanitize`, keeps that evidence as fingerprints.",
            s.display
        ));
    }
    notes
}
