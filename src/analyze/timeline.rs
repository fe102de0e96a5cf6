//! The incident timeline: per cause and overall, the first bad event, the
//! onset, where each input first saw it, its symptoms, the first
//! appearance of each new error template, the peak, mitigation (the rate
//! falling below half the peak for good), the last failure and recovery
//! (the first success on the same subject afterwards). Every entry links
//! to its evidence, which notes any clock correction.

use crate::analyze::evidence::Ctx;
use crate::analyze::rank::Ranked;
use crate::model::report::Time;
use crate::model::report::TimelineEntry;
use crate::model::OptionStr;
use crate::model::{Event, Subject};
use crate::rules::{CompiledRule, Finding};

/// Causes that get peak, mitigation and recovery entries.
const DETAILED_CAUSES: usize = 3;
/// New error templates listed.
const NEW_TEMPLATES: usize = 8;

/// Sort order of kinds at the same instant.
fn kind_order(kind: &str) -> u8 {
    match kind {
        "first_failure" => 0,
        "onset" => 1,
        "first_bad_event" => 2,
        "seen_in" => 3,
        "symptom" => 4,
        "new_template" => 5,
        "peak" => 6,
        "mitigation" => 7,
        "last_seen" => 8,
        "last_failure" => 9,
        _ => 10,
    }
}

fn describe(e: &Event) -> String {
    let what = match (e.status, e.error_class) {
        (Some(s), _) => format!("HTTP {s}"),
        (None, Some(c)) => c.name().to_string(),
        _ => "failure".into(),
    };
    let target = match (e.method().as_str(), e.host().as_str(), e.route().as_str()) {
        (m, Some(h), Some(r)) => format!(" on {}{h}{r}", m.map(|m| format!("{m} ")).unwrap_or_default()),
        (_, None, Some(r)) => format!(" on {r}"),
        _ => String::new(),
    };
    format!("{what}{target}")
}

/// Whether an event concerns the subject (every known part of it matches).
fn on_subject(e: &Event, s: &Subject) -> bool {
    let eq = |want: &Option<String>, got: &Option<crate::model::Str>| {
        want.as_deref().is_none_or(|w| got.as_deref() == Some(w))
    };
    eq(&s.host, &e.host())
        && eq(&s.endpoint, &e.route())
        && eq(&s.service, &e.service())
        && eq(&s.version, &e.service_version())
}

struct Builder<'a> {
    ctx: Ctx<'a>,
    out: Vec<TimelineEntry>,
}

impl Builder<'_> {
    fn push(&mut self, t: i64, kind: &str, cause: Option<u32>, text: String, ev: Option<usize>) {
        self.out.push(TimelineEntry {
            ts: Time::from_ns(t),
            kind: kind.into(),
            cause,
            text,
            evidence: ev.map(|i| self.ctx.of(i)),
        });
    }
}

/// The busiest interval of a cause's failures and when they eased.
struct Peak {
    /// Start of the busiest interval.
    at: i64,
    /// Failures in it.
    count: u64,
    /// Its first failure.
    first: usize,
    /// When the rate fell below half the peak for good, with the first
    /// failure after that.
    eased: Option<(i64, usize)>,
}

/// Peak and mitigation of failing events `idx` (time order).
fn peak_and_mitigation(events: &[Event], idx: &[usize]) -> Option<Peak> {
    let times: Vec<(i64, usize)> = idx
        .iter()
        .filter_map(|&i| events[i].ts_ns().map(|t| (t, i)))
        .collect();
    let (first, last) = (times.first()?.0, times.last()?.0);
    let width = (last.saturating_sub(first) / 20).clamp(1_000_000_000, 60_000_000_000);
    let mut buckets: Vec<(i64, u64, usize)> = Vec::new();
    for &(t, i) in &times {
        let b = t.saturating_sub(first) / width;
        match buckets.last_mut() {
            Some(last) if last.0 == b => last.1 += 1,
            _ => buckets.push((b, 1, i)),
        }
    }
    let (pk, peak) = buckets
        .iter()
        .enumerate()
        .max_by_key(|(k, b)| (b.1, std::cmp::Reverse(*k)))
        .map(|(k, b)| (k, *b))?;
    // Mitigation: the end of the last interval above half the peak, when
    // failures continue at a lower rate after it.
    let half = peak.1 / 2;
    let last_high = buckets[pk..]
        .iter()
        .rposition(|b| b.1 > half)
        .map_or(pk, |p| p + pk);
    let eased = first.saturating_add((buckets[last_high].0 + 1).saturating_mul(width));
    let mitigation = times.iter().find(|(t, _)| *t >= eased).map(|&(_, i)| (eased, i));
    Some(Peak {
        at: first.saturating_add(peak.0.saturating_mul(width)),
        count: peak.1,
        first: peak.2,
        eased: mitigation,
    })
}

/// Build the timeline.
pub fn build(
    rules: &[CompiledRule],
    findings: &[Finding],
    ranked: &[Ranked],
    ctx: Ctx<'_>,
    templates: &[(String, u64)],
    occurrences: &[Option<crate::normalize::template::Occurrence>],
) -> Vec<TimelineEntry> {
    let mut b = Builder { ctx, out: Vec::new() };
    for (k, r) in ranked.iter().enumerate() {
        b.cause(rules, findings, r, k < DETAILED_CAUSES);
    }
    b.new_templates(templates, occurrences);
    b.overall();
    let mut out = b.out;
    out.sort_by(|a, b| {
        (&a.ts, kind_order(&a.kind), a.cause, &a.text).cmp(&(&b.ts, kind_order(&b.kind), b.cause, &b.text))
    });
    out
}

impl Builder<'_> {
    /// A ranked cause's onset, first bad event and symptoms; with
    /// `detailed`, where each input first saw it, its peak, mitigation,
    /// last sighting and recovery.
    fn cause(&mut self, rules: &[CompiledRule], findings: &[Finding], r: &Ranked, detailed: bool) {
        let events = self.ctx.events;
        let f = &findings[r.root];
        let rule = &rules[f.rule];
        let rank = Some(r.cause.rank);
        let subject = f.subject.describe();
        if let Some(t) = f.onset_ts.or(f.first_ts) {
            self.push(
                t,
                "onset",
                rank,
                format!("{} begins on {subject}", rule.title),
                f.events.first().copied(),
            );
        }
        let mut merged: Vec<usize> = f.events.clone();
        for &s in &r.symptoms {
            merged.extend(findings[s].events.iter().copied());
        }
        merged.sort_by_key(|&i| (events[i].ts_ns(), i));
        merged.dedup();
        let failing: Vec<usize> = merged
            .iter()
            .copied()
            .filter(|&i| events[i].is_failure())
            .collect();
        if let Some(&i) = failing.first() {
            if let Some(t) = events[i]
                .ts_ns()
                .filter(|&t| Some(t) != f.onset_ts.or(f.first_ts))
            {
                self.push(
                    t,
                    "first_bad_event",
                    rank,
                    format!("first bad event: {}", describe(&events[i])),
                    Some(i),
                );
            }
        }
        for &s in &r.symptoms {
            let sf = &findings[s];
            let sr = &rules[sf.rule];
            if let Some(t) = sf.first_ts {
                let text = format!(
                    "{} begins on {} (caused by: {})",
                    sr.title,
                    sf.subject.describe(),
                    rule.title
                );
                self.push(t, "symptom", rank, text, sf.events.first().copied());
            }
        }
        if detailed {
            self.detail(rule, f, rank, &subject, &merged, &failing);
        }
    }

    /// The detailed entries of one cause (see [`Builder::cause`]).
    fn detail(
        &mut self,
        rule: &CompiledRule,
        f: &Finding,
        rank: Option<u32>,
        subject: &str,
        merged: &[usize],
        failing: &[usize],
    ) {
        let events = self.ctx.events;
        // Where several inputs saw the failure, when each first did.
        let mut firsts: Vec<usize> = Vec::new();
        for &i in merged {
            if !firsts.iter().any(|&o| events[o].source == events[i].source) {
                firsts.push(i);
            }
        }
        if firsts.len() > 1 {
            for &i in &firsts {
                if let Some(t) = events[i].ts_ns() {
                    let ev = crate::analyze::evidence::plain(events, self.ctx.sources, i);
                    self.push(
                        t,
                        "seen_in",
                        rank,
                        format!("{}: first seen in {} ({})", rule.title, ev.path, ev.locator),
                        Some(i),
                    );
                }
            }
        }
        if let Some(Peak {
            at: t,
            count: n,
            first: i,
            eased: mitigation,
        }) = peak_and_mitigation(events, failing)
        {
            self.push(
                t,
                "peak",
                rank,
                format!("{}: peak, {n} failures in one interval", rule.title),
                Some(i),
            );
            if let Some((t, i)) = mitigation {
                self.push(
                    t,
                    "mitigation",
                    rank,
                    format!("{}: failures fall below half the peak and stay there", rule.title),
                    Some(i),
                );
            }
        }
        if let (Some(t), Some(first)) = (f.last_ts, f.first_ts) {
            if t > first {
                self.push(
                    t,
                    "last_seen",
                    rank,
                    format!("{} — last seen on {subject}", rule.title),
                    f.events.last().copied(),
                );
            }
        }
        let last_fail = failing.last().and_then(|&i| events[i].ts_ns());
        if let Some(lf) = last_fail {
            // Events are in time order: start after the last failure.
            let after = events.partition_point(|e| e.ts_ns().is_some_and(|t| t <= lf));
            let recovered = events
                .iter()
                .enumerate()
                .skip(after)
                .find(|(_, e)| !e.is_failure() && !e.context_record() && on_subject(e, &f.subject));
            match recovered {
                Some((i, e)) => self.push(
                    e.ts_ns().unwrap_or(lf),
                    "recovery",
                    rank,
                    format!(
                        "{}: recovered, first success on {subject} after the last failure",
                        rule.title
                    ),
                    Some(i),
                ),
                None => self.push(
                    lf,
                    "ongoing",
                    rank,
                    format!(
                        "{}: no success on {subject} after the last failure; the input ends first",
                        rule.title
                    ),
                    failing.last().copied(),
                ),
            }
        }
    }

    /// New error templates: first seen after the inputs began.
    fn new_templates(
        &mut self,
        templates: &[(String, u64)],
        occurrences: &[Option<crate::normalize::template::Occurrence>],
    ) {
        let events = self.ctx.events;
        let input_start = events.iter().filter_map(|e| e.ts_ns()).min();
        let mut first_of: Vec<(i64, usize, &str)> = Vec::new();
        for ((text, _), o) in templates.iter().zip(occurrences) {
            let Some(i) = o.map(|o| o.first) else { continue };
            if let (Some(t), Some(s)) = (events[i].ts_ns(), input_start) {
                if t > s + 60_000_000_000 {
                    first_of.push((t, i, text.as_str()));
                }
            }
        }
        first_of.sort_by_key(|&(t, i, _)| (t, i));
        for (t, i, text) in first_of.into_iter().take(NEW_TEMPLATES) {
            self.push(
                t,
                "new_template",
                None,
                format!("new error: {}", crate::redact::text(text)),
                Some(i),
            );
        }
    }

    /// The first and last failure overall.
    fn overall(&mut self) {
        let events = self.ctx.events;
        let mut fails = events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_failure() && e.ts_ns().is_some());
        let first = fails.next();
        let last = fails.next_back();
        if let Some((i, e)) = first {
            self.push(
                e.ts_ns().unwrap_or_default(),
                "first_failure",
                None,
                format!("first failure: {}", describe(e)),
                Some(i),
            );
        }
        if let Some((i, e)) = last {
            self.push(
                e.ts_ns().unwrap_or_default(),
                "last_failure",
                None,
                format!("last failure: {}", describe(e)),
                Some(i),
            );
        }
    }
}
